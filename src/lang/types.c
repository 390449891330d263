/* types.c — see types.h. */
#include "types.h"

#include <string.h>

Type type_error = {TY_ERROR, NULL, NULL};
Type type_int = {TY_INT, NULL, NULL};
Type type_number = {TY_NUMBER, NULL, NULL};
Type type_percent = {TY_PERCENT, NULL, NULL};
Type type_bool = {TY_BOOL, NULL, NULL};
Type type_text = {TY_TEXT, NULL, NULL};
Type type_date = {TY_DATE, NULL, NULL};

Type *type_enum(Arena *a, EnumType *en)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_ENUM;
    t->en = en;
    return t;
}

Type *type_set(Arena *a, Type *elem)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_SET;
    t->elem = elem;
    return t;
}

Type *type_table(Arena *a, Type *elem, EnumType *key)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = TY_TABLE;
    t->elem = elem;
    t->en = key;
    return t;
}

bool type_equal(const Type *a, const Type *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case TY_ENUM: return a->en == b->en;
    case TY_SET: return type_equal(a->elem, b->elem);
    case TY_TABLE: return a->en == b->en && type_equal(a->elem, b->elem);
    default: return true;
    }
}

bool type_is_numeric(const Type *t)
{
    return t->kind == TY_INT || t->kind == TY_NUMBER || t->kind == TY_PERCENT;
}

const char *type_name(Arena *a, const Type *t)
{
    switch (t->kind) {
    case TY_ERROR: return "<error>";
    case TY_INT: return "int";
    case TY_NUMBER: return "number";
    case TY_PERCENT: return "percent";
    case TY_BOOL: return "bool";
    case TY_TEXT: return "text";
    case TY_DATE: return "date";
    case TY_ENUM: {
        StrBuf sb = {0};
        sb_printf(&sb, "enum %s", t->en->name);
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    case TY_SET: {
        StrBuf sb = {0};
        sb_printf(&sb, "set of %s", type_name(a, t->elem));
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    case TY_TABLE: {
        StrBuf sb = {0};
        sb_printf(&sb, "%s by %s", type_name(a, t->elem), t->en->name);
        char *s = arena_strdup(a, sb_str(&sb));
        sb_free(&sb);
        return s;
    }
    }
    return "?";
}

int enum_find(const EnumType *en, const char *name)
{
    for (size_t i = 0; i < en->values.count; i++)
        if (strcmp(en->values.items[i].name.text, name) == 0) return (int)i;
    return -1;
}
