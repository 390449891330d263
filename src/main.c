#include "parse.h"
#include <stdio.h>
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        SourceFile *sf = source_read(argv[i]);
        if (!sf) { perror(argv[i]); return 2; }
        Arena a = {0};
        DiagList dl = {0};
        Module *m = parse_module(&a, sf, &dl);
        StrBuf out = {0};
        diag_render_all(&out, &dl);
        fputs(sb_str(&out), stdout);
        printf("%zu decls\n", m->decls.count);
        sb_free(&out); diag_free(&dl); arena_free(&a); source_free(sf);
    }
    return 0;
}
