/* doudi.y — the grammar of the rule language (bison, pure, with locations).
 *
 * Actions only build nodes; names, types and folding belong to check and compile. Error
 * recovery: `error` productions at the top level and inside each block (record fields,
 * placement branches, schedule groups, capacity items, table items, a group's columns) let
 * one file report all its syntax errors; bison stays quiet until three tokens have been read
 * after each. The `notice` declaration (the public notice) keeps to its own
 * productions below. Brackets are matched before the grammar reads a token (lang/parse.c), which
 * also keeps it quiet about what follows from a bracket slip. */
%define api.pure full
%define api.prefix {dd}
%define api.location.type {Span}
%define parse.error custom
%locations
%param {yyscan_t scanner}
%parse-param {ParseCtx *ctx}
%expect 0

%code requires {
#include "lang/parse.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code provides {
#define YYSTYPE DDSTYPE
#define YYLTYPE DDLTYPE
int ddlex(DDSTYPE *lval, DDLTYPE *lloc, yyscan_t scanner);
int parse_token(DDSTYPE *lval, DDLTYPE *lloc, yyscan_t feed);
void dderror(DDLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg);
}

%code {
#include <string.h>

/* The grammar reads the bracket-checked token stream of parse.c (its `scanner` parameter is
 * that stream), not the scanner directly. */
#undef yylex
#define yylex parse_token

/* The parser's own stack (on the heap) holds an entry per open bracket, operator and clause
 * not yet closed: 10,000 is far past any rule file, and a file that nests deeper (a hostile or
 * broken one) gets the error `too-deep` where it happens instead of unbounded memory. Within
 * it, the checker limits expressions to CHECK_MAX_NESTING levels (check.h). */
#define YYMAXDEPTH 10000
/* ... from the x-allocators, so that a call abandoned for lack of memory frees it (base/oom.h) */
#define YYMALLOC xmalloc
#define YYFREE xfree

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                       \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                     \
            (Cur).end = YYRHSLOC(Rhs, N).end;                         \
        } else {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                       \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;           \
        }                                                             \
    } while (0)

#define A (ctx->arena)
static Name mkname(const char *s, Span sp) { Name n = {s, sp}; return n; }
static Expr *lit_expr(ParseCtx *ctx, ExprKind k, const char *text, int64_t i, Span sp);
static void push_decl(ParseCtx *ctx, Decl *d);
static const char *keyword_text(ParseCtx *ctx, Span sp)
{
    return arena_strndup(ctx->arena, ctx->src->text + sp.start, sp.end - sp.start);
}
}

%union {
    bool b;
    const char *s;
    Name name;
    struct { const char *text; int64_t i; } lit;   /* literal text and value (fixed point for numbers) */
    Expr *expr;
    Decl *decl;
    TypeExpr *type;
    Field *field;
    Require *require;
    Branch *branch;
    OrderKey *okey;
    SchedGroup *group;
    CapItem *capitem;
    TableColumn *column;
    TableRow *row;
    FieldValue *fv;
    Share *share;
    EnumValueDecl *evd;
    NameList *names;
    ExprList *exprs;
    ShareList *shares;
    EnumValueList *evals;
    FieldValueList *fvals;
    TestCase *tcase;
    NoticeColumn *ncolumn;
    Withhold *withhold;
}

%token START_FILE START_REPL
%token <s> IDENT "name" STRING "string"
%token <lit> INT "integer" NUMBER "number" PERCENT "percent" DATE "date"
%token <b> BOOL "true or false"
%token KW_POLICY "'policy'" KW_SOURCE "'source'" KW_ENUM "'enum'" KW_RECORD "'record'"
%token KW_KEY "'key'" KW_DEFAULT "'default'" KW_REQUIRE "'require'" KW_PARAM "'param'"
%token KW_LET "'let'" KW_CATEGORY "'category'" KW_CITE "'cite'" KW_WHEN "'when'"
%token KW_PLACEMENT "'placement'" KW_FIRST "'first'" KW_MATCH "'match'"
%token KW_OTHERWISE "'otherwise'" KW_SCHEDULE "'schedule'" KW_PER "'per'" KW_ORDER "'order'"
%token KW_BY "'by'" KW_ASC "'asc'" KW_DESC "'desc'" KW_EACH "'each'" KW_POOL "'pool'"
%token KW_CAPACITY "'capacity'" KW_FROM "'from'" KW_HEADROOM "'headroom'" KW_BUILD "'build'"
%token KW_BEDS "'beds'" KW_MINIMUM "'minimum'" KW_UPGRADE "'upgrade'" KW_TABLE "'table'"
%token KW_ROW "'row'" KW_COLUMN "'column'" KW_GROUP "'group'" KW_TOTAL "'total'"
%token KW_COUNT "'count'" KW_EXISTING "'existing'" KW_BLANK "'blank'"
%token KW_NOTICE "'notice'" KW_PERIOD "'period'" KW_OFFICE "'office'" KW_MASK "'mask'"
%token KW_WITHHOLD "'withhold'"
%token KW_EXAMPLE "'example'" KW_TEST "'test'" KW_GIVEN "'given'" KW_EXPECT "'expect'"
%token KW_AND "'and'" KW_OR "'or'" KW_NOT "'not'" KW_IN "'in'" KW_NOTIN "'not in'"
%token KW_CASE "'case'" KW_THEN "'then'" KW_ELSE "'else'" KW_IF "'if'"
%token DOTDOT "'..'" EQEQ "'=='" NEQ "'!='" LE "'<='" GE "'>='"

%type <decl> decl record_body placement_body schedule_body capacity_body table_body test_cases
%type <tcase> test_case
%type <decl> notice_body
%type <ncolumn> notice_column
%type <withhold> withhold
%type <expr> expr unary postfix primary in_rhs opt_minimum opt_when
%type <type> type
%type <field> field
%type <require> require
%type <branch> branch
%type <okey> order_key
%type <group> sched_group
%type <capitem> cap_item
%type <column> column
%type <row> row
%type <fv> field_value
%type <share> share
%type <evd> enum_value
%type <names> name_list opt_blank
%type <exprs> args set_items case_arms
%type <shares> shares
%type <evals> enum_values
%type <fvals> field_values
%type <s> ident opt_label opt_cite opt_source opt_ident
%type <b> opt_desc group_kind
%type <expr> map_items
%type <decl> order_keys group_columns
%type <name> opt_per opt_cite_rule

%precedence KW_ELSE
%left KW_OR
%left KW_AND
%precedence KW_NOT
%nonassoc EQEQ NEQ '<' LE '>' GE KW_IN KW_NOTIN
%precedence DOTDOT
%left '+' '-'
%left '*' '/'

%start start

%%

start
    : START_FILE file
    | START_REPL decl          { ctx->repl_decl = $2; }
    | START_REPL expr          { ctx->repl_expr = $2; }
    ;

file
    : %empty
    | file decl                { push_decl(ctx, $2); }
    | file error
    ;

decl
    : KW_POLICY STRING opt_source opt_cite_rule
        { $$ = ast_decl(A, DECL_POLICY, @$); $$->label = $2; $$->source = $3; $$->cite_rule = $4; }
    | KW_ENUM ident opt_label '{' enum_values sep '}'
        { $$ = ast_decl(A, DECL_ENUM, @$); $$->name = mkname($2, @2); $$->label = $3; $$->values = *$5; }
    | KW_RECORD ident opt_label '{' record_body '}'
        { $$ = $5; $$->span = @$; $$->name = mkname($2, @2); $$->label = $3; }
    | KW_PARAM ident ':' type opt_label '=' expr
        { $$ = ast_decl(A, DECL_PARAM, @$); $$->name = mkname($2, @2); $$->type = $4; $$->label = $5; $$->value = $7; }
    | KW_LET ident opt_label '=' expr
        { $$ = ast_decl(A, DECL_LET, @$); $$->name = mkname($2, @2); $$->label = $3; $$->value = $5; }
    | KW_LET ident ':' type opt_label '=' expr
        { $$ = ast_decl(A, DECL_LET, @$); $$->name = mkname($2, @2); $$->type = $4; $$->label = $5; $$->value = $7; }
    | KW_CATEGORY ident opt_label opt_cite KW_WHEN expr
        { $$ = ast_decl(A, DECL_CATEGORY, @$); $$->name = mkname($2, @2); $$->label = $3; $$->cite = $4; $$->when = $6; }
    | KW_PLACEMENT ident ':' type opt_label KW_FIRST KW_MATCH '{' placement_body '}'
        { $$ = $9; $$->span = @$; $$->name = mkname($2, @2); $$->type = $4; $$->label = $5; }
    | KW_SCHEDULE opt_label opt_per opt_when KW_ORDER KW_BY order_keys '{' schedule_body '}'
        { $$ = $9; $$->span = @$; $$->label = $2; $$->per = $3; $$->when = $4; $$->order = $7->order; }
    | KW_CAPACITY opt_label opt_per KW_FROM ident KW_HEADROOM expr KW_BUILD shares opt_cite '{' capacity_body '}'
        { $$ = $12; $$->span = @$; $$->label = $2; $$->per = $3; $$->from = mkname($5, @5);
          $$->headroom = $7; $$->build = *$9; $$->cite = $10; }
    | KW_TABLE ident STRING opt_per '{' table_body '}'
        { $$ = $6; $$->span = @$; $$->name = mkname($2, @2); $$->label = $3; $$->per = $4; }
    | KW_NOTICE STRING KW_PER name_list KW_PERIOD unary ',' unary KW_OFFICE unary '{' notice_body '}'
        { $$ = $12; $$->span = @$; $$->label = $2; $$->notice_per = *$4; $$->period_from = $6;
          $$->period_to = $8; $$->office = $10; }
    | KW_EXAMPLE ident opt_label '{' field_values '}'
        { $$ = ast_decl(A, DECL_EXAMPLE, @$); $$->name = mkname($2, @2); $$->label = $3; $$->given = *$5; }
    | KW_TEST STRING '{' test_cases '}'
        { $$ = $4; $$->span = @$; $$->label = $2; $$->name = mkname(NULL, @2);
          $$->base = $$->cases.items[0].base; $$->given = $$->cases.items[0].given;
          $$->expect = $$->cases.items[0].expect; }
    ;

opt_label  : %empty { $$ = NULL; } | STRING { $$ = $1; } ;
opt_cite   : %empty { $$ = NULL; } | KW_CITE STRING { $$ = $2; } ;
opt_source : %empty { $$ = NULL; } | KW_SOURCE STRING { $$ = $2; } ;
opt_ident  : %empty { $$ = NULL; } | ident { $$ = $1; } ;
opt_per    : %empty { $$ = (Name){NULL, @$}; } | KW_PER ident { $$ = mkname($2, @2); } ;
opt_cite_rule : %empty { $$ = (Name){NULL, @$}; } | KW_CITE ident { $$ = mkname($2, @2); } ;
sep        : %empty | ',' ;

/* ---- enums and types ---- */

enum_values
    : enum_value               { $$ = arena_alloc(A, sizeof *$$); ARENA_PUSH(A, $$, *$1); }
    | enum_values sep enum_value { $$ = $1; ARENA_PUSH(A, $$, *$3); }
    ;

enum_value
    : ident opt_label
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($1, @1); $$->label = $2; $$->label_span = @2; }
    ;

type
    : ident
        { $$ = ast_type(A, TE_NAMED, @$); $$->name = mkname($1, @1); }
    | ident KW_BY ident
        { $$ = ast_type(A, TE_TABLE, @$); $$->elem = ast_type(A, TE_NAMED, @1);
          $$->elem->name = mkname($1, @1); $$->key = mkname($3, @3); }
    | KW_ENUM '(' enum_values sep ')'
        { $$ = ast_type(A, TE_ENUM, @$); $$->values = *$3; }
    ;

/* ---- records ---- */

record_body
    : %empty                   { $$ = ast_decl(A, DECL_RECORD, @$); }
    | record_body field        { $$ = $1; ARENA_PUSH(A, &$$->fields, *$2); }
    | record_body require      { $$ = $1; ARENA_PUSH(A, &$$->requires, *$2); }
    | record_body error        { $$ = $1; }
    ;

field
    : ident ':' type opt_label
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($1, @1); $$->type = $3; $$->label = $4; $$->span = @$; }
    | field KW_KEY             { $$ = $1; $$->is_key = true; $$->span = @$; }
    | field KW_DEFAULT unary   { $$ = $1; $$->default_value = $3; $$->span = @$; }
    | field KW_IN in_rhs       { $$ = $1; $$->range = $3; $$->span = @$; }
    ;

require
    : KW_REQUIRE expr STRING
        { $$ = arena_alloc(A, sizeof *$$); $$->cond = $2; $$->message = $3; $$->span = @$; }
    ;

/* ---- placement ---- */

placement_body
    : %empty                   { $$ = ast_decl(A, DECL_PLACEMENT, @$); }
    | placement_body branch    { $$ = $1; ARENA_PUSH(A, &$$->branches, *$2); }
    | placement_body error     { $$ = $1; }
    ;

branch
    : ident opt_label KW_WHEN expr opt_cite
        { $$ = arena_alloc(A, sizeof *$$); $$->value = mkname($1, @1); $$->label = $2; $$->when = $4; $$->cite = $5; $$->span = @$; }
    | ident opt_label KW_OTHERWISE opt_cite
        { $$ = arena_alloc(A, sizeof *$$); $$->value = mkname($1, @1); $$->label = $2; $$->cite = $4; $$->span = @$; }
    ;

/* ---- schedule ---- */

order_keys
    : order_key                { $$ = ast_decl(A, DECL_SCHEDULE, @$); ARENA_PUSH(A, &$$->order, *$1); }
    | order_keys ',' order_key { $$ = $1; ARENA_PUSH(A, &$$->order, *$3); }
    ;

schedule_body
    : %empty                   { $$ = ast_decl(A, DECL_SCHEDULE, @$); }
    | schedule_body sched_group { $$ = $1; ARENA_PUSH(A, &$$->groups, *$2); }
    | schedule_body error      { $$ = $1; }
    ;

order_key
    : expr opt_desc            { $$ = arena_alloc(A, sizeof *$$); $$->expr = $1; $$->desc = $2; $$->span = @$; }
    ;

opt_desc : %empty { $$ = false; } | KW_ASC { $$ = false; } | KW_DESC { $$ = true; } ;

sched_group
    : group_kind name_list ':' shares opt_cite
        { $$ = arena_alloc(A, sizeof *$$); $$->pool = $1; $$->categories = *$2; $$->shares = *$4; $$->cite = $5; $$->span = @$; }
    ;

group_kind : KW_EACH { $$ = false; } | KW_POOL { $$ = true; } ;

name_list
    : ident                    { $$ = arena_alloc(A, sizeof *$$); ARENA_PUSH(A, $$, mkname($1, @1)); }
    | name_list ',' ident      { $$ = $1; ARENA_PUSH(A, $$, mkname($3, @3)); }
    ;

shares
    : share                    { $$ = arena_alloc(A, sizeof *$$); ARENA_PUSH(A, $$, *$1); }
    | shares ',' share         { $$ = $1; ARENA_PUSH(A, $$, *$3); }
    ;

share
    : INT ':' unary            { $$ = arena_alloc(A, sizeof *$$); $$->year = $1.i; $$->percent = $3; $$->span = @$; }
    ;

/* ---- capacity ---- */

capacity_body
    : %empty                   { $$ = ast_decl(A, DECL_CAPACITY, @$); }
    | capacity_body cap_item   { $$ = $1; if ($2) ARENA_PUSH(A, &$$->cap_items, *$2); }
    | capacity_body KW_UPGRADE KW_WHEN expr
        { $$ = $1;
          if ($$->upgrade_when)
              diag_add(ctx->diags, DIAG_ERROR, "duplicate", @2, "the capacity plan has one 'upgrade when'");
          $$->upgrade_when = $4; }
    | capacity_body error      { $$ = $1; }
    ;

cap_item
    : ident KW_BEDS expr opt_minimum opt_cite
        { $$ = arena_alloc(A, sizeof *$$); $$->type = mkname($1, @1); $$->beds = $3; $$->minimum = $4; $$->cite = $5; $$->span = @$; }
    ;

opt_minimum : %empty { $$ = NULL; } | KW_MINIMUM expr { $$ = $2; } ;
opt_when    : %empty { $$ = NULL; } | KW_WHEN expr { $$ = $2; } ;

/* ---- tables (official forms) ---- */

table_body
    : %empty                   { $$ = ast_decl(A, DECL_TABLE, @$); }
    | table_body row           { $$ = $1; ARENA_PUSH(A, &$$->rows, *$2); }
    | table_body column        { $$ = $1; ARENA_PUSH(A, &$$->columns, *$2); }
    | table_body KW_GROUP STRING '{' group_columns '}'
        { $$ = $1;
          for (size_t i = 0; i < $5->columns.count; i++) {
              TableColumn c = $5->columns.items[i];
              c.group = $3;
              ARENA_PUSH(A, &$$->columns, c);
          } }
    | table_body error         { $$ = $1; }
    ;

group_columns
    : %empty                   { $$ = ast_decl(A, DECL_TABLE, @$); }
    | group_columns column     { $$ = $1; ARENA_PUSH(A, &$$->columns, *$2); }
    | group_columns error      { $$ = $1; }
    ;

row
    : KW_ROW ident STRING KW_WHEN expr
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->when = $5; $$->span = @$; }
    | KW_ROW ident STRING KW_TOTAL
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->total = true; $$->span = @$; }
    ;

column
    : KW_COLUMN ident STRING KW_COUNT opt_blank
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_COUNT; if ($5) $$->blank_rows = *$5; $$->span = @$; }
    | KW_COLUMN ident STRING KW_COUNT KW_WHEN expr opt_blank
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_COUNT; $$->expr = $6; if ($7) $$->blank_rows = *$7; $$->span = @$; }
    | KW_COLUMN ident STRING KW_EXISTING opt_blank
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_EXISTING; if ($5) $$->blank_rows = *$5; $$->span = @$; }
    | KW_COLUMN ident STRING KW_BUILD INT opt_blank
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_BUILD; $$->year = $5.i; if ($6) $$->blank_rows = *$6; $$->span = @$; }
    | KW_COLUMN ident STRING KW_BUILD KW_TOTAL opt_blank
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_BUILD; $$->year = 0; if ($6) $$->blank_rows = *$6; $$->span = @$; }
    | KW_COLUMN ident STRING KW_BLANK
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->cell = CELL_BLANK; $$->span = @$; }
    ;

opt_blank : %empty { $$ = NULL; } | KW_BLANK KW_IN name_list { $$ = $3; } ;

/* ---- the public notice (公示名单) ---- */

notice_body
    : %empty                   { $$ = ast_decl(A, DECL_NOTICE, @$); }
    | notice_body notice_column { $$ = $1; ARENA_PUSH(A, &$$->notice_columns, *$2); }
    | notice_body withhold     { $$ = $1; ARENA_PUSH(A, &$$->withholds, *$2); }
    | notice_body error        { $$ = $1; }
    ;

notice_column
    : KW_COLUMN ident STRING
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->span = @$; }
    | KW_COLUMN ident STRING KW_MASK ident
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($2, @2); $$->label = $3; $$->mask = mkname($5, @5); $$->span = @$; }
    ;

withhold
    : KW_WITHHOLD STRING KW_WHEN expr
        { $$ = arena_alloc(A, sizeof *$$); $$->label = $2; $$->when = $4; $$->span = @$; }
    ;

/* ---- examples and tests ---- */

/* A test is one or more `given … expect …` cases; several cases are one population, scheduled
 * together (so a test can expect the years of a group). */
test_cases
    : test_case                { $$ = ast_decl(A, DECL_TEST, @$); ARENA_PUSH(A, &$$->cases, *$1); }
    | test_cases test_case     { $$ = $1; ARENA_PUSH(A, &$$->cases, *$2); }
    ;

test_case
    : KW_GIVEN opt_ident '{' field_values '}' KW_EXPECT '{' field_values '}'
        { $$ = arena_alloc(A, sizeof *$$); if ($2) $$->base = mkname($2, @2);
          $$->given = *$4; $$->expect = *$8; $$->span = @$; }
    ;

field_values
    : %empty                   { $$ = arena_alloc(A, sizeof *$$); }
    | field_values field_value { $$ = $1; ARENA_PUSH(A, $$, *$2); }
    ;

field_value
    : ident ':' expr sep
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname($1, @1); $$->value = $3; $$->span = @$; }
    | KW_CITE ':' expr sep     /* a test's expected citation of the placement that fired */
        { $$ = arena_alloc(A, sizeof *$$); $$->name = mkname(keyword_text(ctx, @1), @1); $$->value = $3; $$->span = @$; }
    ;

/* ---- expressions ---- */

expr
    : expr KW_OR expr          { $$ = ast_binary(A, BIN_OR, $1, $3, @$); }
    | expr KW_AND expr         { $$ = ast_binary(A, BIN_AND, $1, $3, @$); }
    | KW_NOT expr              { $$ = ast_unary(A, UN_NOT, $2, @$); }
    | expr EQEQ expr           { $$ = ast_binary(A, BIN_EQ, $1, $3, @$); }
    | expr NEQ expr            { $$ = ast_binary(A, BIN_NE, $1, $3, @$); }
    | expr '<' expr            { $$ = ast_binary(A, BIN_LT, $1, $3, @$); }
    | expr LE expr             { $$ = ast_binary(A, BIN_LE, $1, $3, @$); }
    | expr '>' expr            { $$ = ast_binary(A, BIN_GT, $1, $3, @$); }
    | expr GE expr             { $$ = ast_binary(A, BIN_GE, $1, $3, @$); }
    | expr KW_IN expr          { $$ = ast_in(A, $1, $3, false, @$); }
    | expr KW_IN expr DOTDOT expr %prec KW_IN
        { $$ = ast_in(A, $1, ast_range(A, $3, $5, span_join(@3, @5)), false, @$); }
    | expr KW_NOTIN expr       { $$ = ast_in(A, $1, $3, true, @$); }
    | expr KW_NOTIN expr DOTDOT expr %prec KW_IN
        { $$ = ast_in(A, $1, ast_range(A, $3, $5, span_join(@3, @5)), true, @$); }
    | expr '+' expr            { $$ = ast_binary(A, BIN_ADD, $1, $3, @$); }
    | expr '-' expr            { $$ = ast_binary(A, BIN_SUB, $1, $3, @$); }
    | expr '*' expr            { $$ = ast_binary(A, BIN_MUL, $1, $3, @$); }
    | expr '/' expr            { $$ = ast_binary(A, BIN_DIV, $1, $3, @$); }
    | KW_IF expr KW_THEN expr KW_ELSE expr %prec KW_ELSE
        { $$ = ast_expr(A, EX_IF, @$); $$->cond = $2; $$->lhs = $4; $$->rhs = $6; }
    | KW_CASE case_arms KW_ELSE expr %prec KW_ELSE
        { $$ = ast_expr(A, EX_CASE, @$); $$->conds = $2[1]; $$->items = *$2; $$->rhs = $4; }
    | unary
    ;

case_arms
    : KW_WHEN expr KW_THEN expr
        { $$ = arena_alloc(A, 2 * sizeof *$$); ARENA_PUSH(A, &$$[1], $2); ARENA_PUSH(A, $$, $4); }
    | case_arms KW_WHEN expr KW_THEN expr
        { $$ = $1; ARENA_PUSH(A, &$$[1], $3); ARENA_PUSH(A, $$, $5); }
    ;

in_rhs
    : unary
    | unary DOTDOT unary       { $$ = ast_range(A, $1, $3, @$); }
    ;

unary
    : '-' unary   { $$ = ast_unary(A, UN_NEG, $2, @$); }
    | postfix
    ;

postfix
    : primary
    | ident '(' ')'            { $$ = ast_expr(A, EX_CALL, @$); $$->name = mkname($1, @1); }
    | ident '(' args ')'       { $$ = ast_expr(A, EX_CALL, @$); $$->name = mkname($1, @1); $$->items = *$3; }
    | postfix '[' expr ']'     { $$ = ast_expr(A, EX_INDEX, @$); $$->lhs = $1; $$->rhs = $3; }
    ;

args
    : expr                     { $$ = arena_alloc(A, sizeof *$$); ARENA_PUSH(A, $$, $1); }
    | args ',' expr            { $$ = $1; ARENA_PUSH(A, $$, $3); }
    ;

primary
    : INT                      { $$ = lit_expr(ctx, EX_INT, $1.text, $1.i, @$); }
    | NUMBER                   { $$ = lit_expr(ctx, EX_NUMBER, $1.text, $1.i, @$); }
    | PERCENT                  { $$ = lit_expr(ctx, EX_PERCENT, $1.text, $1.i, @$); }
    | DATE                     { $$ = lit_expr(ctx, EX_DATE, $1.text, $1.i, @$); }
    | STRING                   { $$ = ast_expr(A, EX_TEXT, @$); $$->v.s = $1; }
    | BOOL                     { $$ = ast_expr(A, EX_BOOL, @$); $$->v.b = $1; }
    | ident                    { $$ = ast_name(A, mkname($1, @1)); }
    | '(' expr ')'             { $$ = $2; }
    | '{' '}'                  { $$ = ast_expr(A, EX_SET, @$); }
    | '{' set_items sep '}'    { $$ = ast_expr(A, EX_SET, @$); $$->items = *$2; }
    | '{' map_items sep '}'    { $$ = $2; $$->span = @$; }
    ;

set_items
    : expr                     { $$ = arena_alloc(A, sizeof *$$); ARENA_PUSH(A, $$, $1); }
    | set_items ',' expr       { $$ = $1; ARENA_PUSH(A, $$, $3); }
    ;

map_items
    : ident ':' expr
        { $$ = ast_expr(A, EX_MAP, @$); ARENA_PUSH(A, &$$->keys, mkname($1, @1)); ARENA_PUSH(A, &$$->items, $3); }
    | map_items ',' ident ':' expr
        { $$ = $1; ARENA_PUSH(A, &$$->keys, mkname($3, @3)); ARENA_PUSH(A, &$$->items, $5); }
    ;

/* Words that are keywords only where they start a clause; elsewhere they are names. */
ident
    : IDENT          { $$ = parse_name(ctx, $1, @1); }
    | KW_SOURCE      { $$ = keyword_text(ctx, @1); }
    | KW_FIRST       { $$ = keyword_text(ctx, @1); }
    | KW_MATCH       { $$ = keyword_text(ctx, @1); }
    | KW_ORDER       { $$ = keyword_text(ctx, @1); }
    | KW_ASC         { $$ = keyword_text(ctx, @1); }
    | KW_DESC        { $$ = keyword_text(ctx, @1); }
    | KW_EACH        { $$ = keyword_text(ctx, @1); }
    | KW_POOL        { $$ = keyword_text(ctx, @1); }
    | KW_FROM        { $$ = keyword_text(ctx, @1); }
    | KW_HEADROOM    { $$ = keyword_text(ctx, @1); }
    | KW_BUILD       { $$ = keyword_text(ctx, @1); }
    | KW_BEDS        { $$ = keyword_text(ctx, @1); }
    | KW_UPGRADE     { $$ = keyword_text(ctx, @1); }
    | KW_ROW         { $$ = keyword_text(ctx, @1); }
    | KW_COLUMN      { $$ = keyword_text(ctx, @1); }
    | KW_GROUP       { $$ = keyword_text(ctx, @1); }
    | KW_TOTAL       { $$ = keyword_text(ctx, @1); }
    | KW_COUNT       { $$ = keyword_text(ctx, @1); }
    | KW_EXISTING    { $$ = keyword_text(ctx, @1); }
    | KW_BLANK       { $$ = keyword_text(ctx, @1); }
    | KW_GIVEN       { $$ = keyword_text(ctx, @1); }
    | KW_EXPECT      { $$ = keyword_text(ctx, @1); }
    | KW_OTHERWISE   { $$ = keyword_text(ctx, @1); }
    | KW_NOTICE      { $$ = keyword_text(ctx, @1); }
    | KW_PERIOD      { $$ = keyword_text(ctx, @1); }
    | KW_OFFICE      { $$ = keyword_text(ctx, @1); }
    | KW_MASK        { $$ = keyword_text(ctx, @1); }
    | KW_WITHHOLD    { $$ = keyword_text(ctx, @1); }
    ;

%%

static Expr *lit_expr(ParseCtx *ctx, ExprKind k, const char *text, int64_t i, Span sp)
{
    Expr *e = ast_expr(ctx->arena, k, sp);
    e->lit = text;
    e->v.i = i;
    return e;
}

static void push_decl(ParseCtx *ctx, Decl *d)
{
    ARENA_PUSH(ctx->arena, &ctx->module->decls, d);
}

void dderror(DDLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg)
{
    (void)scanner;
    if (!strcmp(msg, "memory exhausted"))   /* the stack reached YYMAXDEPTH */
        diag_add(ctx->diags, DIAG_ERROR, "too-deep", *loc,
                 "nested too deeply: more than %d brackets, operators and clauses are open here; "
                 "split the expression into lets", YYMAXDEPTH);
    else
        diag_add(ctx->diags, DIAG_ERROR, "syntax", *loc, "%s", msg);
    ctx->syntax_errors++;
}

/* The keyword an unexpected name is a slip for ("catagory" for "category"), among those the
 * parser expected here, or NULL. */
static const char *keyword_near(const yypcontext_t *pctx, ParseCtx *ctx)
{
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(pctx, expected, YYNTOKENS);
    const Span *at = yypcontext_location(pctx);
    char *word = arena_strndup(ctx->arena, ctx->src->text + at->start, at->end - at->start);
    int cap = strlen(word) <= 3 ? 1 : 2, best_d = cap + 1, token;
    const char *best = NULL, *kw;
    for (size_t i = 0; (kw = parse_keyword(i, &token)) != NULL; i++) {
        bool wanted = false;
        for (int k = 0; k < n && !wanted; k++) wanted = expected[k] == YYTRANSLATE(token);
        int d = wanted ? edit_distance(word, kw, cap) : best_d;
        if (d < best_d) { best_d = d; best = kw; }
    }
    return best;
}

/* "unexpected X; expected A, B or C", with a hint for the commonest slips. Quiet about an
 * error that follows from a bracket already reported (parse.c). */

/* A comparison or `in` right after a complete one (`a == b == c`, `x in s in t`): they are
 * %nonassoc, so bison stops where the operators of an operand ('+' ...) could have gone on. */
static bool chained_comparison(const yypcontext_t *pctx, yysymbol_kind_t got)
{
    static const int cmp[] = {EQEQ, NEQ, '<', LE, '>', GE, KW_IN, KW_NOTIN};
    bool is_cmp = false;
    for (size_t i = 0; i < sizeof cmp / sizeof *cmp; i++) is_cmp |= got == YYTRANSLATE(cmp[i]);
    if (!is_cmp) return false;
    yysymbol_kind_t all[YYNTOKENS];
    int n = yypcontext_expected_tokens(pctx, all, YYNTOKENS);
    for (int i = 0; i < n; i++)
        if (all[i] == YYTRANSLATE('+')) return true;
    return false;
}

/* "unexpected X; expected A, B or C", with a hint for the commonest slips. */
static int yyreport_syntax_error(const yypcontext_t *pctx, yyscan_t scanner, ParseCtx *ctx)
{
    (void)scanner;
    ctx->syntax_errors++;
    if (ctx->syntax_errors > PARSE_MAX_ERRORS) return 0;
    yysymbol_kind_t got = yypcontext_token(pctx);
    if (parse_quiet_at(ctx, *yypcontext_location(pctx))) return 0;
    if (got == YYSYMBOL_YYEOF) ctx->hit_eof = true;
    ctx->syntax_shown++;
    enum { MAX_EXPECTED = 6 };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int n = yypcontext_expected_tokens(pctx, expected, MAX_EXPECTED);
    bool chained = chained_comparison(pctx, got);
    StrBuf sb = {0};
    sb_printf(&sb, "unexpected %s", got == YYSYMBOL_YYEOF ? "end of file" : yysymbol_name(got));
    if (n > 0 && n < MAX_EXPECTED && !chained) {
        sb_puts(&sb, "; expected ");
        for (int i = 0; i < n; i++) {
            if (i) sb_puts(&sb, i == n - 1 ? " or " : ", ");
            sb_puts(&sb, expected[i] == YYSYMBOL_YYEOF ? "end of file" : yysymbol_name(expected[i]));
        }
    }
    diag_add(ctx->diags, DIAG_ERROR, "syntax", *yypcontext_location(pctx), "%s", sb_str(&sb));
    sb_free(&sb);
    if (got == YYSYMBOL_YYEOF) return 0;
    if (got == YYSYMBOL_YYUNDEF) return 0;
    if (got == (yysymbol_kind_t)YYTRANSLATE('='))
        diag_note(ctx->diags, "to compare two values write '=='");
    const char *near = got == YYSYMBOL_IDENT ? keyword_near(pctx, ctx) : NULL;
    if (near) diag_note(ctx->diags, "did you mean '%s'?", near);
    if (chained)
        diag_note(ctx->diags, "comparisons and 'in' do not chain: write parentheses, e.g. "
                              "'(x in s) == b', or join them with 'and'");
    return 0;
}
