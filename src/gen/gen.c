/* gen.c — see gen.h. A synthetic survey ledger (摸底台账) for Zhengzhou, written straight to the
 * CSV contract of INTERPRETATION §1.
 *
 * Every row draws from its own PRNG stream, keyed by (seed, row number), so a row's content
 * depends only on the options and two pieces of running state: the table of resident-id
 * sequence numbers already issued (which makes ids unique) and the last good row (which the
 * duplicate-id defect copies). Rows are built as 36 cells, corrupted when the row is to be
 * malformed, and joined with RFC 4180 quoting. Probabilities are compared as doubles built
 * from 53-bit integers; no libm, locale or clock is involved, so output is byte-identical
 * across runs and machines. */
#include "gen.h"

#include "base/date.h"
#include "base/resid.h"
#include "base/util.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- tables ------------------------------------------------------------------------------ */

const char *const gen_person_columns[GEN_PERSON_COLUMNS] = {
    "id", "name", "county", "township", "village", "birth_date", "sex", "dibao", "low_income",
    "registered_poor", "labor_capacity", "income_source", "supporter", "disability_type",
    "disability_grade", "chronic_severe", "family_can_bear", "severe_mental", "adl_eat",
    "adl_dress", "adl_bed", "adl_toilet", "adl_walk", "adl_bathe", "family_care", "guardian",
    "de_facto_unsupported", "has_caretaker", "home_caregiver", "home_same_food",
    "home_same_housing", "home_medical", "home_activity_space", "home_heating_cooling",
    "home_pocket_money", "wants_central",
};

const char *const gen_institution_columns[GEN_INSTITUTION_COLUMNS] = {
    "id", "county", "type", "name", "beds", "condition",
};

/* 1-based column numbers used below. */
enum {
    C_ID = 1, C_NAME, C_COUNTY, C_TOWNSHIP, C_VILLAGE, C_BIRTH, C_SEX, C_DIBAO, C_LOW_INCOME,
    C_REGISTERED_POOR, C_LABOR, C_INCOME, C_SUPPORTER, C_DIS_TYPE, C_DIS_GRADE, C_CHRONIC,
    C_BEAR, C_MENTAL, C_ADL_EAT, C_ADL_DRESS, C_ADL_BED, C_ADL_TOILET, C_ADL_WALK, C_ADL_BATHE,
    C_FAMILY_CARE, C_GUARDIAN, C_DE_FACTO, C_CARETAKER, C_HOME0, C_WANTS = 36
};

static const char *const bad_kind_names[GEN_BAD_KINDS] = {
    "id_check_digit", "id_length", "birth_date_mismatch", "sex_mismatch",
    "grade_zero_with_type", "grade_without_type", "grade_out_of_range", "bad_enum", "bad_bool",
    "bad_date", "empty_cell", "duplicate_id", "too_few_columns",
};

const char *gen_bad_kind_name(int kind)
{
    return kind >= 0 && kind < GEN_BAD_KINDS ? bad_kind_names[kind] : "?";
}

const char *const gen_county_codes[GEN_COUNTIES] = {
    "410102", "410103", "410104", "410105", "410106", "410108",
    "410122", "410181", "410182", "410183", "410184", "410185",
};
const char *const gen_county_names[GEN_COUNTIES] = {
    "中原区", "二七区", "管城回族区", "金水区", "上街区", "惠济区",
    "中牟县", "巩义市", "荥阳市", "新密市", "新郑市", "登封市",
};
/* The ledger is of poor households: the rural counties weigh most. Sum 100. */
static const unsigned county_weight[GEN_COUNTIES] = {4, 4, 4, 4, 2, 3, 14, 12, 12, 13, 12, 16};
/* Urban districts: few village courtyards, 社区 rather than 村. */
static const bool county_urban[GEN_COUNTIES] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};

#define MAX_TOWNS 20
static const char *const towns[GEN_COUNTIES][MAX_TOWNS] = {
    {"林山寨街道", "建设路街道", "棉纺路街道", "秦岭路街道", "桐柏路街道", "三官庙街道",
     "绿东村街道", "汝河路街道", "航海西路街道", "中原西路街道", "须水街道"},
    {"淮河路街道", "解放路街道", "铭功路街道", "一马路街道", "蜜蜂张街道", "五里堡街道",
     "大学路街道", "建中街街道", "福华街街道", "德化街街道", "嵩山路街道", "京广路街道",
     "长江路街道", "马寨镇", "侯寨乡"},
    {"北下街街道", "西大街街道", "南关街道", "城东路街道", "东大街街道", "二里岗街道",
     "陇海马路街道", "紫荆山南路街道", "航海东路街道", "南曹街道", "十八里河街道"},
    {"经八路街道", "花园路街道", "人民路街道", "杜岭街道", "大石桥街道", "南阳路街道",
     "南阳新村街道", "文化路街道", "丰产路街道", "东风路街道", "北林路街道", "未来路街道",
     "凤凰台街道", "兴达路街道", "国基路街道", "杨金路街道", "丰庆路街道", "祭城路街道"},
    {"济源路街道", "中心路街道", "新安路街道", "工业路街道", "矿山街道", "峡窝镇"},
    {"新城街道", "刘寨街道", "老鸦陈街道", "长兴路街道", "迎宾路街道", "大河路街道",
     "花园口镇", "古荥镇"},
    {"青年路街道", "东风路街道", "广惠街街道", "韩寺镇", "官渡镇", "狼城岗镇", "万滩镇",
     "白沙镇", "郑庵镇", "黄店镇", "大孟镇", "九龙镇", "刘集镇", "八岗镇", "雁鸣湖镇",
     "姚家镇"},
    {"新华路街道", "杜甫路街道", "永安路街道", "孝义街道", "紫荆路街道", "米河镇", "新中镇",
     "小关镇", "竹林镇", "大峪沟镇", "河洛镇", "站街镇", "康店镇", "北山口镇", "西村镇",
     "芝田镇", "回郭镇", "鲁庄镇", "夹津口镇", "涉村镇"},
    {"京城路街道", "索河路街道", "乔楼镇", "豫龙镇", "广武镇", "王村镇", "汜水镇", "高山镇",
     "刘河镇", "崔庙镇", "贾峪镇", "城关乡", "高村乡", "金寨回族乡"},
    {"青屏街街道", "新华路街道", "西大街街道", "米村镇", "牛店镇", "平陌镇", "超化镇",
     "苟堂镇", "大隗镇", "刘寨镇", "白寨镇", "岳村镇", "来集镇", "曲梁镇", "袁庄乡"},
    {"新建路街道", "新华路街道", "新烟街道", "和庄镇", "薛店镇", "孟庄镇", "郭店镇", "龙湖镇",
     "辛店镇", "观音寺镇", "梨河镇", "城关乡", "八千乡", "龙王乡"},
    {"嵩阳街道", "少林街道", "中岳街道", "大金店镇", "颍阳镇", "卢店镇", "告成镇", "大冶镇",
     "宣化镇", "徐庄镇", "东华镇", "唐庄镇", "君召乡", "石道乡", "白坪乡"},
};

static int town_count(int c)
{
    int n = 0;
    while (n < MAX_TOWNS && towns[c][n]) n++;
    return n;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !memcmp(s + n - m, suffix, m);
}

static bool town_is_street(int c, int t) { return ends_with(towns[c][t], "街道"); }

/* Surnames, the common ones weighted up. */
static const char *const surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "郭", "黄", "周", "吴", "徐", "孙", "胡", "朱",
    "高", "马", "何", "林", "罗", "郑", "梁", "宋", "谢", "韩", "唐", "冯", "于", "董", "程",
    "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁",
    "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范",
    "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛",
    "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹",
    "黎", "易", "常", "武", "乔", "贺", "牛", "申", "司马", "欧阳", "诸葛", "上官",
};
enum { N_SURNAMES = sizeof surnames / sizeof *surnames };

static unsigned surname_weight(int i)
{
    if (i < 5) return 40;
    if (i < 15) return 15;
    if (i >= N_SURNAMES - 4) return 1;
    return 5;
}

/* Given-name characters by sex and generation (born before 1965, 1965–1994, from 1995). */
static const char *const given_m_old[] = {"建", "国", "军", "民", "福", "贵", "德", "林", "山",
                                          "明", "成", "海", "发", "财", "保", "全", "忠", "义",
                                          "学", "文", "春", "生", "荣", "富", "振", "新", "志",
                                          "长", "永", "顺", "喜", "祥", "双", "根", "旺", "堂"};
static const char *const given_m_mid[] = {"伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超",
                                          "鹏", "刚", "辉", "峰", "亮", "飞", "波", "宁", "健",
                                          "鑫", "浩", "俊", "凯", "东", "明", "华", "建"};
static const char *const given_m_new[] = {"子", "浩", "宇", "轩", "博", "梓", "睿", "航", "晨",
                                          "皓", "泽", "铭", "阳", "一", "俊", "思", "文", "奕",
                                          "辰", "嘉", "豪", "然"};
static const char *const given_f_old[] = {"秀", "英", "兰", "花", "珍", "芳", "桂", "凤", "玉",
                                          "梅", "荣", "香", "娥", "霞", "琴", "云", "莲", "菊",
                                          "翠", "爱", "巧", "素", "淑", "彩", "月", "粉"};
static const char *const given_f_mid[] = {"丽", "娟", "敏", "静", "燕", "艳", "红", "霞", "玲",
                                          "婷", "颖", "洁", "莉", "慧", "萍", "丹", "晶", "芳"};
static const char *const given_f_new[] = {"欣", "怡", "梓", "涵", "雨", "诗", "佳", "可", "馨",
                                          "悦", "萱", "语", "思", "一", "彤", "若", "依", "琪"};
#define LEN(a) (sizeof(a) / sizeof *(a))

/* Village and community names are built from two parts, deterministically per township. */
static const char *const vil_pre[] = {"", "东", "西", "南", "北", "前", "后", "大", "小", "上", "下"};
static const char *const vil_sur[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "郭", "黄", "周",
                                      "吴", "孙", "马", "高", "韩", "冯", "许", "谢", "宋", "程",
                                      "石", "白", "牛", "贾", "申", "岳", "闫", "付", "耿", "蒋"};
static const char *const vil_suf[] = {"庄", "寨", "楼", "营", "岗", "湾", "洼", "屯", "店", "集",
                                      "桥", "坡", "窑", "沟", "河", "岭", "庙", "堂", "园", "垌"};
static const char *const com_pre[] = {"幸福", "和平", "光明", "友谊", "民主", "团结", "振兴",
                                      "兴华", "锦绣", "阳光", "朝阳", "文化", "建设", "绿城",
                                      "嵩山", "桐柏", "淮河", "黄河", "金水", "中原", "紫荆",
                                      "碧沙", "伏牛", "秦岭", "华山", "航海", "陇海", "棉纺",
                                      "大学", "工人", "政通", "协和", "福寿", "长城", "银河"};
static const char *const com_suf[] = {"社区", "路社区", "里社区", "新村社区", "东社区",
                                      "西社区", "花园社区"};

/* Enum identifiers, in the rule file's order. */
static const char *const sex_ids[] = {"male", "female"};
static const char *const labor_ids[] = {"full", "partial", "none"};
static const char *const supporter_ids[] = {"none", "unable", "able"};
static const char *const dis_type_ids[] = {"none", "visual", "hearing", "speech", "physical",
                                           "intellectual", "mental", "multiple"};
static const char *const family_care_ids[] = {"adequate", "heavy", "none"};
static const char *const guardian_ids[] = {"capable", "incapable", "none"};
static const char *const wants_ids[] = {"yes", "no", "undecided"};
static const char *const digit_str[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

enum { LAB_FULL, LAB_PARTIAL, LAB_NONE };
enum { SUP_NONE, SUP_UNABLE, SUP_ABLE };
enum { DIS_NONE, DIS_VISUAL, DIS_HEARING, DIS_SPEECH, DIS_PHYSICAL, DIS_INTELLECTUAL, DIS_MENTAL,
       DIS_MULTIPLE };
enum { FC_ADEQUATE, FC_HEAVY, FC_NONE };
enum { GU_CAPABLE, GU_INCAPABLE, GU_NONE };
enum { WC_YES, WC_NO, WC_UNDECIDED };
enum { MALE, FEMALE };
/* adl[] indices, in column order */
enum { ADL_EAT, ADL_DRESS, ADL_BED, ADL_TOILET, ADL_WALK, ADL_BATHE, N_ADL };
enum { N_HOME = 7 };

/* ---- PRNG: splitmix64 seeds xoshiro256** ------------------------------------------------- */

typedef struct Rng {
    uint64_t s[4];
} Rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t mix3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t x = a;
    uint64_t h = splitmix64(&x);
    x = h ^ (b * 0xD1342543DE82EF95ULL);
    h = splitmix64(&x);
    x = h ^ (c * 0x2545F4914F6CDD1DULL);
    return splitmix64(&x);
}

/* Streams: one per person row, one per county for institutions, one for the whole run. */
enum { STREAM_PERSON = 1, STREAM_INSTITUTION = 2, STREAM_RUN = 3 };

static void rng_init(Rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = mix3(seed, stream, index);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n < 2^32. */
static unsigned below(Rng *r, unsigned n) { return (unsigned)(((rng_next(r) >> 32) * n) >> 32); }

/* True with probability p. */
static bool chance(Rng *r, double p) { return (double)(rng_next(r) >> 11) * 0x1.0p-53 < p; }

static int between(Rng *r, int lo, int hi) { return lo + (int)below(r, (unsigned)(hi - lo + 1)); }

/* Index drawn by integer weights that sum to total. */
static int pick_weighted_total(Rng *r, const unsigned *w, int n, unsigned total)
{
    unsigned x = below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

static int pick_weighted(Rng *r, const unsigned *w, int n)
{
    unsigned total = 0;
    for (int i = 0; i < n; i++) total += w[i];
    return pick_weighted_total(r, w, n, total);
}

/* ---- formatting without printf (the hot path) -------------------------------------------- */

/* Write v as exactly `width` decimal digits. */
static char *put_digits(char *o, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) o[i] = (char)('0' + v % 10);
    return o + width;
}

/* YYYY-MM-DD and a NUL. */
static void fmt_date(int64_t day, char *out)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    char *o = put_digits(out, (unsigned)y, 4);
    *o++ = '-';
    o = put_digits(o, m, 2);
    *o++ = '-';
    o = put_digits(o, d, 2);
    *o = '\0';
}

/* Concatenate up to four strings into out (cap bytes, truncating). */
static void concat(char *out, size_t cap, const char *a, const char *b, const char *c, const char *d)
{
    const char *parts[4] = {a, b, c, d};
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        for (const char *p = parts[i]; p && *p && n + 1 < cap; p++) out[n++] = *p;
    out[n] = '\0';
}

/* ---- resident ids (GB 11643-1999) --------------------------------------------------------- */


/* ---- the person --------------------------------------------------------------------------- */

typedef struct Person {
    char id[19];          /* canonical: uppercase X */
    char name[24];
    char village[64];
    int county, township;
    int64_t birth;
    int age;
    int sex;
    bool dibao, low_income, registered_poor;
    int labor;
    bool income_source;
    int supporter;
    int dis_type, dis_grade;
    bool chronic_severe, family_can_bear, severe_mental;
    bool adl[N_ADL];      /* true = can do it unaided */
    int family_care, guardian;
    bool de_facto_unsupported, has_caretaker;
    bool home[N_HOME];
    int wants;
    bool lower_x;         /* write the X check digit as x */
} Person;

/* Row plans besides the ordinary. */
enum {
    EDGE_NONE,
    EDGE_18_EXACT, EDGE_18_SHORT, EDGE_60_EXACT, EDGE_60_SHORT, EDGE_FEB29,
    EDGE_ADL3, EDGE_ADL4, EDGE_MULTI,
};
enum { QUOTE_NONE, QUOTE_COMMA, QUOTE_NEWLINE, VILLAGE_EMPTY };

enum {
    ARCH_TEKUN_COURTYARD, ARCH_TEKUN_TOWNSHIP, ARCH_TEKUN_WELFARE, ARCH_SEVERE_DISABLED,
    ARCH_CHRONIC, ARCH_DISABLED_CARE, ARCH_ORPHAN, ARCH_LONELY, ARCH_HOME_TEKUN, ARCH_MULTI,
    ARCH_ORPHAN_TEKUN, ARCH_MENTAL, ARCH_HOME_ORPHAN, ARCH_DISABLED_CARE_FULL,
    ARCH_LONELY_PARTIAL, N_ARCH
};
static const int arch_age[N_ARCH][2] = {
    {65, 85}, {70, 88}, {75, 95}, {35, 58}, {45, 70}, {50, 75}, {5, 15}, {75, 92}, {65, 85},
    {62, 80}, {3, 14}, {30, 55}, {8, 16}, {40, 59}, {70, 90},
};

#define ARCH_PERIOD 97
#define EDGE_PERIOD 200
#define QUOTE_PERIOD 1000
#define MAX_AGE 104
#define SEQS_PER_SEX 500

typedef struct Gen {
    const GenOptions *o;
    int64_t boundary[MAX_AGE + 2]; /* boundary[a]: latest birth day that is age ≥ a at as_of */
    int64_t first_day;             /* earliest birth day issued */
    int64_t days;                  /* days in [first_day, as_of] */
    uint16_t *used;                /* sequences issued per (county, day, sex) */
    uint64_t off_arch, off_edge, off_quote;
    unsigned surname_w[N_SURNAMES], surname_total;
    int ntown[GEN_COUNTIES];
    unsigned town_w[GEN_COUNTIES][MAX_TOWNS];   /* towns and townships 3, streets 1 (rural counties) */
    unsigned nvillage[GEN_COUNTIES][MAX_TOWNS];
    bool street[GEN_COUNTIES][MAX_TOWNS];
    Person last_good;
    bool have_good;
    /* output */
    FILE *pf, *rf;
    iconv_t cd;
    char *conv;
    size_t conv_cap;
    uint64_t line;                 /* line the next record starts on */
    char row[4096];
    GenStats st;
    char *err;
} Gen;

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The latest birth day b with years_between(b, as_of) >= a. */
static int64_t age_boundary(int64_t as_of, int a)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(as_of, &y, &m, &d);
    y -= a;
    if (m == 2 && d == 29 && !is_leap(y)) d = 28;
    int64_t b = days_from_civil(y, m, d);
    while (years_between(b + 1, as_of) >= a) b++;
    while (years_between(b, as_of) < a) b--;
    return b;
}

static int64_t birth_for_age(Gen *g, Rng *r, int age)
{
    int64_t hi = g->boundary[age], lo = g->boundary[age + 1] + 1;
    return lo + (int64_t)below(r, (unsigned)(hi - lo + 1));
}

static int draw_age(Rng *r)
{
    /* skewed old: 0–17, 18–39, 40–59, 60–69, 70–79, 80–89, 90+ */
    static const unsigned w[] = {18, 7, 15, 22, 23, 12, 3};
    static const int lo[] = {0, 18, 40, 60, 70, 80, 90};
    static const int hi[] = {17, 39, 59, 69, 79, 89, MAX_AGE};
    int k = pick_weighted(r, w, 7);
    if (k == 6) {
        int a = (int)below(r, 15), b = (int)below(r, 15);
        return 90 + (a < b ? a : b);
    }
    return between(r, lo[k], hi[k]);
}

/* Issue a unique id for (county, birth, sex). When that slot's 500 sequences are used up (only
 * the edge birthdays reach it, at millions of rows) another county, then the other sex, then
 * the day before is tried; p->county, p->sex and p->birth are updated. */
static bool issue_id(Gen *g, Person *p)
{
    for (int64_t day = p->birth; day >= g->first_day; day--) {
        for (int s = 0; s < 2; s++) {
            int sex = s ? 1 - p->sex : p->sex;
            for (int k = 0; k < GEN_COUNTIES; k++) {
                int c = (p->county + k) % GEN_COUNTIES;
                uint16_t *u = &g->used[((size_t)c * (size_t)g->days + (size_t)(day - g->first_day)) * 2 + (size_t)sex];
                if (*u >= SEQS_PER_SEX) continue;
                unsigned j = ((unsigned)*u * 337u + (unsigned)c * 7919u + (unsigned)(day - g->first_day) * 131u) % SEQS_PER_SEX;
                (*u)++;
                unsigned seq = j * 2 + (sex == MALE ? 1 : 0);
                p->county = c;
                p->sex = sex;
                p->birth = day;
                int64_t y;
                unsigned m, d;
                civil_from_days(day, &y, &m, &d);
                memcpy(p->id, gen_county_codes[c], 6);
                char *o = put_digits(p->id + 6, (unsigned)y, 4);
                o = put_digits(o, m, 2);
                o = put_digits(o, d, 2);
                put_digits(o, seq, 3);
                p->id[17] = resident_id_check_char(p->id);
                p->id[18] = '\0';
                return true;
            }
        }
    }
    return false;
}

static void make_name(Gen *g, Rng *r, Person *p)
{
    const char *sur = surnames[pick_weighted_total(r, g->surname_w, N_SURNAMES, g->surname_total)];
    int64_t y;
    unsigned m, d;
    civil_from_days(p->birth, &y, &m, &d);
    const char *const *pool;
    size_t n;
    if (p->sex == MALE) {
        if (y < 1965) pool = given_m_old, n = LEN(given_m_old);
        else if (y < 1995) pool = given_m_mid, n = LEN(given_m_mid);
        else pool = given_m_new, n = LEN(given_m_new);
    } else {
        if (y < 1965) pool = given_f_old, n = LEN(given_f_old);
        else if (y < 1995) pool = given_f_mid, n = LEN(given_f_mid);
        else pool = given_f_new, n = LEN(given_f_new);
    }
    const char *g1 = pool[below(r, (unsigned)n)];
    const char *g2 = chance(r, 0.65) ? pool[below(r, (unsigned)n)] : "";
    if (g2 == g1 && chance(r, 0.7)) g2 = ""; /* 叠字 names, but not too many */
    if (!*g2 && !strcmp(g1, "一")) g1 = "一凡"; /* 一 never stands alone */
    concat(p->name, sizeof p->name, sur, g1, g2, NULL);
}

/* Villages per township and their names depend only on the place, not on the seed. */
static unsigned village_count(int c, int t) { return 8 + (unsigned)(mix3(0x7669, (uint64_t)c, (uint64_t)t) % 23); }

static void village_name(int c, int t, unsigned v, char *out, size_t cap)
{
    uint64_t h = mix3(0x76696c, (uint64_t)(c * 64 + t), v);
    if (town_is_street(c, t)) {
        concat(out, cap, com_pre[h % LEN(com_pre)], com_suf[(h >> 16) % LEN(com_suf)], NULL, NULL);
    } else {
        const char *pre = (h >> 40) % 4 == 0 ? vil_pre[1 + (h >> 44) % (LEN(vil_pre) - 1)] : "";
        concat(out, cap, pre, vil_sur[h % LEN(vil_sur)], vil_suf[(h >> 16) % LEN(vil_suf)], "村");
    }
}

static void place(Gen *g, Rng *r, Person *p)
{
    int c = p->county;
    p->township = pick_weighted(r, g->town_w[c], g->ntown[c]);
    village_name(c, p->township, below(r, g->nvillage[c][p->township]), p->village, sizeof p->village);
}

/* Lose exactly L of the six ADL items: the usual order of loss (bathing first, eating last),
 * sometimes with one item out of turn. */
static void lose_adl(Rng *r, Person *p, int L)
{
    int order[N_ADL] = {ADL_BATHE, ADL_DRESS, ADL_WALK, ADL_TOILET, ADL_BED, ADL_EAT};
    if (L > 0 && L < N_ADL && chance(r, 0.25)) {
        int j = L + (int)below(r, (unsigned)(N_ADL - L));
        int t = order[L - 1];
        order[L - 1] = order[j];
        order[j] = t;
    }
    for (int i = 0; i < N_ADL; i++) p->adl[i] = true;
    for (int i = 0; i < L; i++) p->adl[order[i]] = false;
}

static void set_home(Rng *r, Person *p, bool all)
{
    for (int i = 0; i < N_HOME; i++) p->home[i] = true;
    if (all) return;
    bool any = false;
    for (int i = 0; i < N_HOME; i++)
        if (chance(r, 0.35)) p->home[i] = false, any = true;
    if (!any) p->home[below(r, N_HOME)] = false;
}

static bool home_all(const Person *p)
{
    for (int i = 0; i < N_HOME; i++)
        if (!p->home[i]) return false;
    return true;
}

/* The ordinary person: every field drawn with the correlations of a poor-household ledger. */
static void fill_ordinary(Gen *g, Rng *r, Person *p)
{
    int age = p->age;
    bool minor = age < 18, elderly = age >= 60;
    bool rural = !g->street[p->county][p->township];

    /* poverty registers: overlapping */
    p->dibao = chance(r, 0.5);
    p->low_income = chance(r, p->dibao ? 0.05 : 0.3);
    p->registered_poor = chance(r, rural ? (p->dibao ? 0.45 : 0.3) : 0.04);

    /* disability */
    double pdis = minor ? 0.08 : age < 60 ? 0.30 : age < 80 ? 0.18 : 0.28;
    if (chance(r, pdis)) {
        static const unsigned tw[] = {0, 12, 12, 3, 40, 12, 11, 10};
        p->dis_type = pick_weighted(r, tw, 8);
        static const unsigned gw[] = {0, 15, 25, 30, 30};
        p->dis_grade = pick_weighted(r, gw, 5);
    } else {
        p->dis_type = DIS_NONE;
        p->dis_grade = 0;
    }
    p->severe_mental = (p->dis_type == DIS_MENTAL || p->dis_type == DIS_MULTIPLE) && p->dis_grade <= 2
                           ? chance(r, 0.55) : chance(r, 0.004);
    p->chronic_severe = chance(r, minor ? 0.02 : age < 60 ? 0.06 : age < 80 ? 0.09 : 0.13);
    p->family_can_bear = chance(r, p->chronic_severe ? 0.25 : 0.6);

    /* ADL: the old lose items more often, the oldest most */
    double pany = minor ? 0.03 : age < 60 ? 0.05 : age < 70 ? 0.12 : age < 80 ? 0.22 : age < 90 ? 0.40 : 0.65;
    static const double by_grade[] = {0, 0.45, 0.30, 0.12, 0.05};
    pany += by_grade[p->dis_grade] + (p->chronic_severe ? 0.2 : 0) + (p->severe_mental ? 0.1 : 0);
    int L = 0;
    if (chance(r, pany)) {
        double sev = 0.2 + (age >= 80 ? 0.25 : 0) + (p->dis_grade == 1 || p->dis_grade == 2 ? 0.2 : 0);
        L = 1;
        for (int i = 0; i < 5; i++) L += chance(r, sev);
    }
    lose_adl(r, p, L);

    /* labor capacity */
    if (minor) {
        p->labor = age >= 16 && chance(r, 0.2) ? LAB_PARTIAL : LAB_NONE;
    } else if (L >= 4 || p->dis_grade == 1 || p->severe_mental) {
        p->labor = chance(r, 0.88) ? LAB_NONE : LAB_PARTIAL;
    } else if (p->dis_grade == 2) {
        p->labor = chance(r, 0.6) ? LAB_NONE : LAB_PARTIAL;
    } else if (elderly) {
        static const unsigned w6[] = {20, 45, 35}, w7[] = {5, 35, 60}, w8[] = {0, 10, 90};
        p->labor = pick_weighted(r, age < 70 ? w6 : age < 80 ? w7 : w8, 3);
    } else {
        static const unsigned wa[] = {55, 35, 10}, wc[] = {15, 45, 40};
        p->labor = pick_weighted(r, p->chronic_severe || p->dis_grade ? wc : wa, 3);
    }

    /* guardian, supporter, de facto unsupported */
    p->de_facto_unsupported = false;
    if (minor) {
        unsigned x = below(r, 1000);
        if (x < 20) {
            p->guardian = GU_NONE;
            p->supporter = chance(r, 0.8) ? SUP_NONE : SUP_UNABLE;
        } else if (x < 45) {
            p->guardian = GU_INCAPABLE;
            p->supporter = chance(r, 0.6) ? SUP_UNABLE : SUP_ABLE;
        } else {
            p->guardian = GU_CAPABLE;
            p->supporter = chance(r, 0.9) ? SUP_ABLE : SUP_UNABLE;
        }
        p->de_facto_unsupported = p->guardian == GU_CAPABLE ? chance(r, 0.012) : chance(r, 0.3);
        if (p->de_facto_unsupported && p->supporter == SUP_ABLE) p->supporter = SUP_UNABLE;
    } else {
        static const unsigned we[] = {18, 20, 62}, wa[] = {15, 25, 60};
        p->supporter = pick_weighted(r, elderly ? we : wa, 3);
        if (p->dis_type == DIS_INTELLECTUAL || p->dis_type == DIS_MENTAL || p->severe_mental) {
            static const unsigned wg[] = {60, 25, 15};
            p->guardian = pick_weighted(r, wg, 3);
        } else if (L >= 4) {
            p->guardian = chance(r, 0.5) ? GU_CAPABLE : GU_NONE;
        } else {
            p->guardian = chance(r, 0.1) ? GU_CAPABLE : GU_NONE; /* adults mostly need none */
        }
    }

    /* income */
    if (minor) p->income_source = chance(r, p->supporter == SUP_ABLE ? 0.7 : 0.15);
    else if (elderly) p->income_source = chance(r, p->labor == LAB_FULL ? 0.8 : 0.45);
    else p->income_source = chance(r, p->labor == LAB_FULL ? 0.9 : p->labor == LAB_PARTIAL ? 0.6 : 0.3);

    /* family care */
    {
        static const unsigned wable[] = {60, 32, 8}, wunable[] = {15, 50, 35}, wnone[] = {5, 25, 70};
        const unsigned *w = p->supporter == SUP_ABLE ? wable : p->supporter == SUP_UNABLE ? wunable : wnone;
        p->family_care = pick_weighted(r, w, 3);
        if (L >= 4 && p->family_care == FC_ADEQUATE && chance(r, 0.5)) p->family_care = FC_HEAVY;
        /* a family rarely finds a self-sufficient adult a heavy burden */
        if (L == 0 && !minor && p->family_care == FC_HEAVY && chance(r, 0.5)) p->family_care = FC_ADEQUATE;
    }
    if (minor)
        p->has_caretaker = p->guardian == GU_CAPABLE && !p->de_facto_unsupported ? chance(r, 0.99) : chance(r, 0.5);
    else
        p->has_caretaker = chance(r, p->family_care == FC_ADEQUATE ? 0.95 : p->family_care == FC_HEAVY ? 0.8 : 0.35);

    /* home care: mostly all seven met when the family cares adequately */
    double pall = p->family_care == FC_ADEQUATE ? 0.85 : p->family_care == FC_HEAVY ? 0.35 : 0.08;
    set_home(r, p, chance(r, pall));

    static const unsigned wh[] = {12, 65, 23}, wn[] = {50, 25, 25}, wo[] = {30, 42, 28};
    p->wants = pick_weighted(r, home_all(p) ? wh : L >= 4 ? wn : wo, 3);
}

/* A neutral slate for archetypes: in no category, home care not met. */
static void slate(Rng *r, Person *p)
{
    p->dibao = p->low_income = p->registered_poor = false;
    p->labor = LAB_FULL;
    p->income_source = true;
    p->supporter = SUP_ABLE;
    p->dis_type = DIS_NONE;
    p->dis_grade = 0;
    p->chronic_severe = p->severe_mental = false;
    p->family_can_bear = true;
    lose_adl(r, p, 0);
    p->family_care = FC_ADEQUATE;
    p->guardian = p->age < 18 ? GU_CAPABLE : GU_NONE;
    p->de_facto_unsupported = false;
    p->has_caretaker = true;
    set_home(r, p, false);
    p->wants = chance(r, 0.6) ? WC_YES : WC_UNDECIDED;
}

static void tekun_core(Person *p, int supporter)
{
    p->labor = LAB_NONE;
    p->income_source = false;
    p->supporter = supporter;
}

static void set_poor(Rng *r, Person *p)
{
    switch (below(r, 3)) {
    case 0: p->dibao = true; break;
    case 1: p->low_income = true; break;
    default: p->registered_poor = true; p->dibao = chance(r, 0.5); break;
    }
}

/* Archetypes: each lands in a known primary category and placement branch (§3, §4). */
static void fill_archetype(Rng *r, Person *p, int a)
{
    slate(r, p);
    switch (a) {
    case ARCH_TEKUN_COURTYARD: /* tekun → village_courtyard (branch 5) */
        tekun_core(p, SUP_NONE);
        p->family_care = FC_NONE;
        break;
    case ARCH_TEKUN_TOWNSHIP: /* tekun → township_home (branch 6) */
        tekun_core(p, SUP_UNABLE);
        p->family_care = FC_HEAVY;
        lose_adl(r, p, 2);
        break;
    case ARCH_TEKUN_WELFARE: /* tekun → welfare_institution (branch 7) */
        tekun_core(p, SUP_NONE);
        p->family_care = FC_NONE;
        lose_adl(r, p, 5);
        break;
    case ARCH_SEVERE_DISABLED: /* severe_disabled → disability_center (branch 3) */
        set_poor(r, p);
        p->dis_type = chance(r, 0.7) ? DIS_PHYSICAL : DIS_INTELLECTUAL;
        p->dis_grade = 1 + (int)below(r, 2);
        p->labor = LAB_PARTIAL;
        break;
    case ARCH_CHRONIC: /* chronic_illness → medical_rehab (branch 2) */
        set_poor(r, p);
        p->chronic_severe = true;
        p->family_can_bear = false;
        p->labor = LAB_PARTIAL;
        lose_adl(r, p, 2);
        break;
    case ARCH_DISABLED_CARE: /* disabled_care → township_home (branch 6) */
        set_poor(r, p);
        p->labor = LAB_PARTIAL;
        p->family_care = FC_HEAVY;
        lose_adl(r, p, 1 + (int)below(r, 3));
        break;
    case ARCH_ORPHAN: /* orphan → welfare_institution (branch 4) */
        p->labor = LAB_NONE;
        p->income_source = true;
        p->supporter = SUP_UNABLE;
        p->guardian = GU_NONE;
        break;
    case ARCH_LONELY: /* lonely_elderly → welfare_institution (branch 7) */
        set_poor(r, p);
        p->labor = LAB_PARTIAL;
        p->has_caretaker = false;
        lose_adl(r, p, 4);
        break;
    case ARCH_HOME_TEKUN: /* tekun → home (branch 1) */
        tekun_core(p, SUP_UNABLE);
        p->family_care = FC_HEAVY;
        lose_adl(r, p, (int)below(r, 2));
        set_home(r, p, true);
        p->wants = WC_NO;
        break;
    case ARCH_MULTI: /* tekun, severe_disabled, disabled_care, lonely_elderly → disability_center */
        set_poor(r, p);
        tekun_core(p, SUP_NONE);
        p->dis_type = DIS_PHYSICAL;
        p->dis_grade = 1;
        p->family_care = FC_NONE;
        p->has_caretaker = false;
        lose_adl(r, p, 3);
        break;
    case ARCH_ORPHAN_TEKUN: /* tekun and orphan → welfare_institution (branch 4) */
        tekun_core(p, SUP_NONE);
        p->guardian = GU_NONE;
        p->family_care = FC_NONE;
        break;
    case ARCH_MENTAL: /* severe_disabled, severe_mental → medical_rehab (branch 2) */
        set_poor(r, p);
        p->dis_type = DIS_MENTAL;
        p->dis_grade = 1;
        p->severe_mental = true;
        p->labor = LAB_PARTIAL;
        p->guardian = GU_CAPABLE;
        lose_adl(r, p, 2);
        break;
    case ARCH_HOME_ORPHAN: /* orphan (de facto unsupported) → home (branch 1) */
        p->labor = LAB_NONE;
        p->supporter = SUP_UNABLE;
        p->de_facto_unsupported = true;
        set_home(r, p, true);
        p->wants = WC_UNDECIDED;
        break;
    case ARCH_DISABLED_CARE_FULL: /* disabled_care → village_courtyard (branch 5) */
        set_poor(r, p);
        p->labor = LAB_NONE;
        p->family_care = FC_HEAVY;
        break;
    case ARCH_LONELY_PARTIAL: /* lonely_elderly → township_home (branch 6) */
        set_poor(r, p);
        p->labor = LAB_PARTIAL;
        p->has_caretaker = false;
        lose_adl(r, p, 1);
        break;
    }
}

/* Edge rows at the age boundaries: half of them get a profile whose categories flip there
 * (at 17 a tekun orphan, at 18 neither; at 60 tekun and lonely, at 59 not). */
static void fill_edge(Rng *r, Person *p, int edge)
{
    switch (edge) {
    case EDGE_18_EXACT:
    case EDGE_18_SHORT:
        if (chance(r, 0.5)) {
            tekun_core(p, SUP_NONE);
            p->dis_type = DIS_NONE;
            p->dis_grade = 0;
            p->guardian = GU_NONE;
            p->has_caretaker = false;
        }
        break;
    case EDGE_60_EXACT:
    case EDGE_60_SHORT:
        if (chance(r, 0.5)) {
            tekun_core(p, SUP_UNABLE);
            p->dis_type = DIS_NONE;
            p->dis_grade = 0;
            p->dibao = true;
            p->has_caretaker = false;
            lose_adl(r, p, 1 + (int)below(r, 2));
        }
        break;
    case EDGE_ADL3: lose_adl(r, p, 3); break;
    case EDGE_ADL4: lose_adl(r, p, 4); break;
    case EDGE_MULTI:
        set_poor(r, p);
        tekun_core(p, chance(r, 0.5) ? SUP_NONE : SUP_UNABLE);
        {
            static const int types[] = {DIS_PHYSICAL, DIS_INTELLECTUAL, DIS_MENTAL};
            p->dis_type = types[below(r, 3)];
        }
        p->dis_grade = 1 + (int)below(r, 2);
        p->chronic_severe = chance(r, 0.3);
        if (p->chronic_severe) p->family_can_bear = false;
        p->family_care = chance(r, 0.5) ? FC_HEAVY : FC_NONE;
        p->has_caretaker = false;
        lose_adl(r, p, 1 + (int)below(r, 5));
        set_home(r, p, false);
        break;
    default: break;
    }
}

/* ---- rows ------------------------------------------------------------------------------- */

typedef struct Cells {
    const char *v[GEN_PERSON_COLUMNS];
    int n;                      /* cells written (fewer for the too-few-columns defect) */
    char id[20], birth[16];
} Cells;

static const char *b01(bool b) { return b ? "1" : "0"; }

static void cells_of(const Person *p, Cells *c)
{
    memcpy(c->id, p->id, 19);
    if (p->lower_x && c->id[17] == 'X') c->id[17] = 'x';
    fmt_date(p->birth, c->birth);
    const char **v = c->v;
    v[C_ID - 1] = c->id;
    v[C_NAME - 1] = p->name;
    v[C_COUNTY - 1] = gen_county_codes[p->county];
    v[C_TOWNSHIP - 1] = towns[p->county][p->township];
    v[C_VILLAGE - 1] = p->village;
    v[C_BIRTH - 1] = c->birth;
    v[C_SEX - 1] = sex_ids[p->sex];
    v[C_DIBAO - 1] = b01(p->dibao);
    v[C_LOW_INCOME - 1] = b01(p->low_income);
    v[C_REGISTERED_POOR - 1] = b01(p->registered_poor);
    v[C_LABOR - 1] = labor_ids[p->labor];
    v[C_INCOME - 1] = b01(p->income_source);
    v[C_SUPPORTER - 1] = supporter_ids[p->supporter];
    v[C_DIS_TYPE - 1] = dis_type_ids[p->dis_type];
    v[C_DIS_GRADE - 1] = digit_str[p->dis_grade];
    v[C_CHRONIC - 1] = b01(p->chronic_severe);
    v[C_BEAR - 1] = b01(p->family_can_bear);
    v[C_MENTAL - 1] = b01(p->severe_mental);
    for (int i = 0; i < N_ADL; i++) v[C_ADL_EAT - 1 + i] = b01(p->adl[i]);
    v[C_FAMILY_CARE - 1] = family_care_ids[p->family_care];
    v[C_GUARDIAN - 1] = guardian_ids[p->guardian];
    v[C_DE_FACTO - 1] = b01(p->de_facto_unsupported);
    v[C_CARETAKER - 1] = b01(p->has_caretaker);
    for (int i = 0; i < N_HOME; i++) v[C_HOME0 - 1 + i] = b01(p->home[i]);
    v[C_WANTS - 1] = wants_ids[p->wants];
    c->n = GEN_PERSON_COLUMNS;
}

/* Write one CSV field at o, quoted when RFC 4180 needs it (o needs 2·strlen(s) + 2 bytes);
 * adds the line breaks it holds to *breaks and returns the end. */
static char *put_field(char *o, const char *s, int *breaks)
{
    char *start = o;
    for (const char *p = s; *p; p++) {
        if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r') goto quoted;
        *o++ = *p;
    }
    return o;
quoted:
    o = start;
    *o++ = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"') *o++ = '"';
        if (*p == '\n') ++*breaks;
        *o++ = *p;
    }
    *o++ = '"';
    return o;
}

/* Record the first failure, "what: strerror(errno)". */
static void fail(Gen *g, const char *what)
{
    if (g->err) return;
    StrBuf sb = {0};
    sb_printf(&sb, "%s: %s", what, strerror(errno));
    g->err = sb_take(&sb);
}

/* Write g->row to persons.csv, converting to GBK when asked. */
static void emit_person_bytes(Gen *g, const char *s, size_t n)
{
    if (g->cd == (iconv_t)-1) {
        if (fwrite(s, 1, n, g->pf) != n) fail(g, "cannot write persons.csv");
        return;
    }
    if (g->conv_cap < n * 2 + 16) {
        g->conv_cap = n * 2 + 16;
        g->conv = xrealloc(g->conv, g->conv_cap);
    }
    char *in = (char *)s, *out = g->conv;
    size_t inleft = n, outleft = g->conv_cap;
    if (iconv(g->cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
        fail(g, "cannot convert persons.csv to GBK");
        return;
    }
    size_t m = g->conv_cap - outleft;
    if (fwrite(g->conv, 1, m, g->pf) != m) fail(g, "cannot write persons.csv");
}

/* Cells are bounded (the longest is a 64-byte village), so a row fits g->row. */
static void write_cells(Gen *g, const Cells *c)
{
    char *o = g->row;
    int breaks = 0;
    for (int i = 0; i < c->n; i++) {
        if (i) *o++ = ',';
        o = put_field(o, c->v[i], &breaks);
    }
    *o++ = '\n';
    emit_person_bytes(g, g->row, (size_t)(o - g->row));
    g->line += 1 + (uint64_t)breaks;
}

/* ---- malformed rows ------------------------------------------------------------------ */

static const int bad_enum_cols[] = {C_LABOR, C_SUPPORTER, C_FAMILY_CARE, C_GUARDIAN, C_WANTS};
static const char *const bad_enum_vals[] = {"some", "relative", "fair", "grandparent", "perhaps"};
static const int bad_bool_cols[] = {
    C_DIBAO, C_LOW_INCOME, C_REGISTERED_POOR, C_INCOME, C_CHRONIC, C_BEAR, C_MENTAL,
    C_ADL_EAT, C_ADL_DRESS, C_ADL_BED, C_ADL_TOILET, C_ADL_WALK, C_ADL_BATHE, C_DE_FACTO,
    C_CARETAKER, C_HOME0, C_HOME0 + 1, C_HOME0 + 2, C_HOME0 + 3, C_HOME0 + 4, C_HOME0 + 5,
    C_HOME0 + 6,
};
static const int empty_cols[] = {C_COUNTY, C_DIBAO, C_LABOR, C_INCOME, C_SUPPORTER, C_ADL_BED,
                                 C_FAMILY_CARE, C_GUARDIAN, C_CARETAKER, C_WANTS};

/* Corrupt the cells of p with one defect of `kind`; returns the offending column. */
static int corrupt(Gen *g, Rng *r, Person *p, Cells *c, int kind, char *scratch, size_t cap)
{
    uint64_t k = g->st.bad_by_kind[kind]; /* rotates the column or value within a kind */
    switch (kind) {
    case GEN_BAD_ID_CHECK_DIGIT: {
        static const char checks[] = "0123456789X";
        char good = c->id[17] == 'x' ? 'X' : c->id[17];
        char bad;
        do bad = checks[below(r, 11)]; while (bad == good);
        c->id[17] = bad;
        return C_ID;
    }
    case GEN_BAD_ID_LENGTH:
        c->id[17] = '\0';
        return C_ID;
    case GEN_BAD_BIRTH_DATE_MISMATCH: {
        int64_t shift = 1 + (int64_t)below(r, 400);
        int64_t b = p->birth + shift <= g->o->as_of ? p->birth + shift : p->birth - shift;
        fmt_date(b, c->birth);
        return C_BIRTH;
    }
    case GEN_BAD_SEX_MISMATCH:
        c->v[C_SEX - 1] = sex_ids[1 - p->sex];
        return C_SEX;
    case GEN_BAD_GRADE_ZERO_WITH_TYPE:
        if (p->dis_type == DIS_NONE) c->v[C_DIS_TYPE - 1] = dis_type_ids[1 + below(r, 7)];
        c->v[C_DIS_GRADE - 1] = "0";
        return C_DIS_GRADE;
    case GEN_BAD_GRADE_WITHOUT_TYPE:
        c->v[C_DIS_TYPE - 1] = "none";
        if (p->dis_grade == 0) c->v[C_DIS_GRADE - 1] = digit_str[1 + below(r, 4)];
        return C_DIS_GRADE;
    case GEN_BAD_GRADE_OUT_OF_RANGE:
        if (p->dis_type == DIS_NONE) c->v[C_DIS_TYPE - 1] = dis_type_ids[1 + below(r, 7)];
        c->v[C_DIS_GRADE - 1] = "7";
        return C_DIS_GRADE;
    case GEN_BAD_ENUM: {
        size_t i = (size_t)(k % LEN(bad_enum_cols));
        c->v[bad_enum_cols[i] - 1] = bad_enum_vals[i];
        return bad_enum_cols[i];
    }
    case GEN_BAD_BOOL: {
        int col = bad_bool_cols[k % LEN(bad_bool_cols)];
        c->v[col - 1] = (k / LEN(bad_bool_cols)) % 2 ? "2" : "maybe";
        return col;
    }
    case GEN_BAD_DATE: {
        int64_t y;
        unsigned m, d;
        civil_from_days(p->birth, &y, &m, &d);
        static const char *const md[] = {"02-30", "04-31", "13-01", "00-10", "06-31", "02-29"};
        size_t i = (size_t)(k % (is_leap(y) ? 5 : 6));
        snprintf(scratch, cap, "%04u-%s", (unsigned)y, md[i]);
        c->v[C_BIRTH - 1] = scratch;
        return C_BIRTH;
    }
    case GEN_BAD_EMPTY_CELL: {
        int col = empty_cols[k % LEN(empty_cols)];
        c->v[col - 1] = "";
        return col;
    }
    case GEN_BAD_DUPLICATE_ID:
        /* the earlier good row again, as a second entry of the same person */
        *p = g->last_good;
        p->lower_x = false;
        cells_of(p, c);
        return C_ID;
    case GEN_BAD_TOO_FEW_COLUMNS:
        c->n = 30;
        return 0;
    }
    return 0;
}

/* ---- one person row ----------------------------------------------------------------- */

static void person_row(Gen *g, uint64_t i)
{
    Rng r;
    rng_init(&r, g->o->seed, STREAM_PERSON, i);
    Person p;
    memset(&p, 0, sizeof p);

    bool arch = (i + g->off_arch) % ARCH_PERIOD == 0;
    int arch_kind = (int)(((i + g->off_arch) / ARCH_PERIOD) % N_ARCH);
    int edge = EDGE_NONE;
    if (!arch) {
        static const int edge_at[8] = {EDGE_18_EXACT, EDGE_18_SHORT, EDGE_60_EXACT, EDGE_60_SHORT,
                                       EDGE_FEB29, EDGE_ADL3, EDGE_ADL4, EDGE_MULTI};
        uint64_t e = (i + g->off_edge) % EDGE_PERIOD;
        if (e % 25 == 0) edge = edge_at[e / 25];
    }
    int quote = QUOTE_NONE;
    switch ((i + g->off_quote) % QUOTE_PERIOD) {
    case 1: quote = QUOTE_COMMA; break;
    case 501: quote = QUOTE_NEWLINE; break;
    case 251: quote = VILLAGE_EMPTY; break;
    }

    /* birth, county, sex → id */
    switch (edge) {
    case EDGE_18_EXACT: p.birth = g->boundary[18]; break;
    case EDGE_18_SHORT: p.birth = g->boundary[18] + 1; break;
    case EDGE_60_EXACT: p.birth = g->boundary[60]; break;
    case EDGE_60_SHORT: p.birth = g->boundary[60] + 1; break;
    case EDGE_FEB29: {
        /* a leap year near the drawn age's birth year, as close to it as fits */
        int64_t y0, y;
        unsigned m, d;
        civil_from_days(g->o->as_of, &y0, &m, &d);
        y0 -= draw_age(&r);
        p.birth = g->boundary[30];
        for (int k = 0; k < 24; k++) {
            y = k % 2 ? y0 + (k + 1) / 2 : y0 - k / 2;
            if (!is_leap(y)) continue;
            int64_t b = days_from_civil(y, 2, 29);
            if (b <= g->o->as_of && b >= g->first_day) { p.birth = b; break; }
        }
        break;
    }
    case EDGE_MULTI: p.birth = birth_for_age(g, &r, between(&r, 60, 90)); break;
    default:
        p.birth = birth_for_age(g, &r, arch ? between(&r, arch_age[arch_kind][0], arch_age[arch_kind][1])
                                            : draw_age(&r));
    }
    p.county = pick_weighted(&r, county_weight, GEN_COUNTIES);
    {
        int age = (int)years_between(p.birth, g->o->as_of);
        p.sex = chance(&r, age >= 60 ? 0.56 : 0.49) ? FEMALE : MALE;
    }
    if (!issue_id(g, &p)) {
        if (!g->err) g->err = xstrdup("resident-id space exhausted (use a smaller --count)");
        return;
    }
    p.age = (int)years_between(p.birth, g->o->as_of);
    p.lower_x = p.id[17] == 'X' && chance(&r, 0.2);
    place(g, &r, &p);
    make_name(g, &r, &p);
    switch (quote) {
    case QUOTE_COMMA: strncat(p.village, ",二组", sizeof p.village - strlen(p.village) - 1); break;
    case QUOTE_NEWLINE: strncat(p.village, "\n三组", sizeof p.village - strlen(p.village) - 1); break;
    case VILLAGE_EMPTY: p.village[0] = '\0'; break;
    }

    fill_ordinary(g, &r, &p);
    if (arch) fill_archetype(&r, &p, arch_kind);
    else if (edge != EDGE_NONE) fill_edge(&r, &p, edge);

    /* malformed? floor(R × (i+1)) rows by the end of this one, never an archetype */
    bool bad = false;
    if (g->o->bad_rate > 0 && !arch) {
        uint64_t want = (uint64_t)((double)(i + 1) * g->o->bad_rate);
        bad = g->st.bad < want;
    }

    Cells c;
    cells_of(&p, &c);
    uint64_t line = g->line;
    if (!bad) {
        write_cells(g, &c);
        g->last_good = p;
        g->have_good = true;
        return;
    }
    int kind = (int)(g->st.bad % GEN_BAD_KINDS);
    if (kind == GEN_BAD_DUPLICATE_ID && !g->have_good) kind = (kind + 1) % GEN_BAD_KINDS;
    char scratch[32];
    int col = corrupt(g, &r, &p, &c, kind, scratch, sizeof scratch);
    write_cells(g, &c);
    g->st.bad++;
    g->st.bad_by_kind[kind]++;
    if (g->rf && fprintf(g->rf, "%llu,%d,%s\n", (unsigned long long)line, col, bad_kind_names[kind]) < 0)
        fail(g, "cannot write expected_review.csv");
}

/* ---- institutions ------------------------------------------------------------------- */

enum { T_VILLAGE_COURTYARD, T_TOWNSHIP_HOME, T_WELFARE, T_MEDICAL_REHAB, T_DISABILITY_CENTER, N_T };
static const char *const inst_type_ids[N_T] = {"village_courtyard", "township_home",
                                               "welfare_institution", "medical_rehab",
                                               "disability_center"};

static int write_institutions(const GenOptions *o, FILE *f, GenStats *st)
{
    Rng run;
    rng_init(&run, o->seed, STREAM_RUN, 0);
    /* one county surely without a disability centre, another surely with one */
    int without = (int)below(&run, GEN_COUNTIES);
    int with = (without + 1 + (int)below(&run, GEN_COUNTIES - 1)) % GEN_COUNTIES;

    StrBuf sb = {0};
    for (int i = 0; i < GEN_INSTITUTION_COLUMNS; i++) {
        if (i) sb_putc(&sb, ',');
        sb_puts(&sb, gen_institution_columns[i]);
    }
    sb_putc(&sb, '\n');
    uint64_t n = 0;
    for (int c = 0; c < GEN_COUNTIES; c++) {
        Rng r;
        rng_init(&r, o->seed, STREAM_INSTITUTION, (uint64_t)c);
        bool urban = county_urban[c];
        int count[N_T];
        count[T_VILLAGE_COURTYARD] = urban ? between(&r, 1, 3) : between(&r, 6, 12);
        count[T_TOWNSHIP_HOME] = urban ? between(&r, 1, 2) : between(&r, 2, 4);
        count[T_WELFARE] = 1;
        count[T_MEDICAL_REHAB] = chance(&r, urban ? 0.5 : 0.7);
        count[T_DISABILITY_CENTER] = c == without ? 0 : c == with ? 1 : chance(&r, 0.5);
        static const double upgrade[N_T] = {0.4, 0.35, 0.2, 0.15, 0.1};
        int ntown = town_count(c), seq = 0;
        bool used_town[MAX_TOWNS] = {0};
        char used_vc[16][128];
        int nvc = 0;
        for (int t = 0; t < N_T; t++) {
            for (int k = 0; k < count[t]; k++) {
                char name[128];
                int beds = 0;
                switch (t) {
                case T_VILLAGE_COURTYARD:
                    for (int attempt = 0;; attempt++) {
                        int tw = (int)below(&r, (unsigned)ntown);
                        if (!urban && town_is_street(c, tw) && attempt < 20) continue;
                        char v[64];
                        village_name(c, tw, below(&r, village_count(c, tw)), v, sizeof v);
                        snprintf(name, sizeof name, "%s%s幸福大院", towns[c][tw], v);
                        bool dup = false;
                        for (int j = 0; j < nvc; j++) dup |= !strcmp(used_vc[j], name);
                        if (!dup || attempt > 50) break;
                    }
                    snprintf(used_vc[nvc++], sizeof used_vc[0], "%s", name);
                    beds = between(&r, 10, 30);
                    break;
                case T_TOWNSHIP_HOME: {
                    int tw;
                    int attempt = 0;
                    do tw = (int)below(&r, (unsigned)ntown);
                    while ((used_town[tw] || (!urban && town_is_street(c, tw))) && ++attempt < 100);
                    used_town[tw] = true;
                    snprintf(name, sizeof name, "%s敬老院", towns[c][tw]);
                    beds = 40 + 10 * between(&r, 0, 8);
                    break;
                }
                case T_WELFARE:
                    snprintf(name, sizeof name, "%s社会福利院", gen_county_names[c]);
                    beds = 100 + 20 * between(&r, 0, 10);
                    break;
                case T_MEDICAL_REHAB:
                    snprintf(name, sizeof name, "%s康复医院", gen_county_names[c]);
                    beds = 30 + 10 * between(&r, 0, 7);
                    break;
                default:
                    snprintf(name, sizeof name, "%s残疾人托养中心", gen_county_names[c]);
                    beds = 20 + 10 * between(&r, 0, 4);
                    break;
                }
                bool needs = chance(&r, upgrade[t]);
                /* both conditions surely occur */
                if (c == without && t == T_VILLAGE_COURTYARD && k == 0) needs = true;
                if (c == with && t == T_WELFARE) needs = false;
                sb_printf(&sb, "%s-%03d,%s,%s,", gen_county_codes[c], ++seq, gen_county_codes[c],
                          inst_type_ids[t]);
                char field[2 * sizeof name + 2];
                int breaks = 0;
                sb_putn(&sb, field, (size_t)(put_field(field, name, &breaks) - field));
                sb_printf(&sb, ",%d,%s\n", beds, needs ? "needs_upgrade" : "ok"); /* not a message: CSV data */
                n++;
            }
        }
    }
    size_t len = sb.count;
    int rc = fwrite(sb.items, 1, len, f) == len ? 0 : -1;
    sb_free(&sb);
    if (st) st->institutions = n;
    return rc;
}

/* ---- driver ------------------------------------------------------------------------- */

GenOptions gen_default_options(void)
{
    GenOptions o;
    memset(&o, 0, sizeof o);
    o.as_of = days_from_civil(2021, 4, 1);
    return o;
}

int gen_write(const GenOptions *o, FILE *persons, FILE *institutions, FILE *review,
              GenStats *stats, char **err)
{
    *err = NULL;
    if (o->count > GEN_MAX_COUNT) {
        *err = xstrdup("count too large (at most 100000000)");
        return -1;
    }
    if (!(o->bad_rate >= 0 && o->bad_rate <= 1)) {
        *err = xstrdup("bad rate must be between 0 and 1");
        return -1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(o->as_of, &y, &m, &d);
    if (y < 1900 || y > 9000) {
        *err = xstrdup("as-of date out of range (years 1900 to 9000)");
        return -1;
    }
    if (o->bom && o->gbk) {
        *err = xstrdup("a UTF-8 byte-order mark cannot begin a GBK file");
        return -1;
    }

    Gen *g = xcalloc(1, sizeof *g);
    g->o = o;
    for (int a = 0; a <= MAX_AGE + 1; a++) g->boundary[a] = age_boundary(o->as_of, a);
    g->first_day = g->boundary[MAX_AGE + 1] + 1;
    g->days = o->as_of - g->first_day + 1;
    g->used = xcalloc((size_t)GEN_COUNTIES * (size_t)g->days * 2, sizeof *g->used);
    Rng run;
    rng_init(&run, o->seed, STREAM_RUN, 1);
    g->off_arch = below(&run, ARCH_PERIOD);
    g->off_edge = below(&run, EDGE_PERIOD);
    g->off_quote = below(&run, QUOTE_PERIOD);
    for (int i = 0; i < N_SURNAMES; i++) g->surname_total += g->surname_w[i] = surname_weight(i);
    for (int c = 0; c < GEN_COUNTIES; c++) {
        g->ntown[c] = town_count(c);
        for (int t = 0; t < g->ntown[c]; t++) {
            g->street[c][t] = town_is_street(c, t);
            g->town_w[c][t] = county_urban[c] || g->street[c][t] ? 1 : 3;
            g->nvillage[c][t] = village_count(c, t);
        }
    }
    g->pf = persons;
    g->rf = review;
    g->cd = (iconv_t)-1;
    if (o->gbk) {
        g->cd = iconv_open("GBK", "UTF-8");
        if (g->cd == (iconv_t)-1) fail(g, "cannot convert to GBK (iconv_open)");
    }
    g->line = 2;

    if (!g->err) {
        if (o->bom && fwrite("\xEF\xBB\xBF", 1, 3, persons) != 3) fail(g, "cannot write persons.csv");
        StrBuf head = {0};
        for (int i = 0; i < GEN_PERSON_COLUMNS; i++) {
            if (i) sb_putc(&head, ',');
            sb_puts(&head, gen_person_columns[i]);
        }
        sb_putc(&head, '\n');
        emit_person_bytes(g, head.items, head.count);
        sb_free(&head);
        if (review && fputs("line,column,kind\n", review) < 0) fail(g, "cannot write expected_review.csv");
    }
    for (uint64_t i = 0; i < o->count && !g->err; i++) {
        person_row(g, i);
        g->st.persons++;
        if (o->progress && ((i + 1) & 0xFFFF) == 0) o->progress(o->progress_ctx, i + 1, o->count);
    }
    if (!g->err && o->progress) o->progress(o->progress_ctx, o->count, o->count);
    if (!g->err && write_institutions(o, institutions, &g->st) != 0)
        fail(g, "cannot write institutions.csv");
    g->st.lines = g->line - 1;

    int rc = 0;
    if (g->err) {
        *err = g->err;
        rc = -1;
    } else if (stats) {
        *stats = g->st;
    }
    if (g->cd != (iconv_t)-1) iconv_close(g->cd);
    free(g->conv);
    free(g->used);
    free(g);
    return rc;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char *path = xstrdup(dir);
    int rc = 0;
    for (char *s = path + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) rc = -1;
            *s = saved;
            if (rc || saved == '\0') break;
        }
    }
    struct stat sbuf;
    if (rc == 0 && (stat(dir, &sbuf) != 0 || !S_ISDIR(sbuf.st_mode))) {
        if (errno == 0) errno = ENOTDIR;
        rc = -1;
    }
    free(path);
    return rc;
}

static char *join(const char *dir, const char *name)
{
    StrBuf sb = {0};
    sb_printf(&sb, "%s/%s", dir, name);
    return sb_take(&sb);
}

int gen_write_dir(const GenOptions *o, const char *dir, GenStats *stats, char **err)
{
    *err = NULL;
    if (!dir || !*dir) dir = ".";
    errno = 0;
    if (make_dirs(dir) != 0) {
        StrBuf sb = {0};
        sb_printf(&sb, "cannot create directory %s: %s", dir, strerror(errno)); /* not a message: an error, shown through msg_text */
        *err = sb_take(&sb);
        return -1;
    }
    enum { F_PERSONS, F_INSTITUTIONS, F_REVIEW, NF };
    static const char *const names[NF] = {"persons.csv", "institutions.csv", "expected_review.csv"};
    static const char *const tmps[NF] = {".persons.csv.tmp", ".institutions.csv.tmp",
                                         ".expected_review.csv.tmp"};
    bool want[NF] = {true, true, o->bad_rate > 0};
    char *final[NF], *tmp[NF];
    FILE *f[NF] = {0};
    int rc = 0;
    for (int i = 0; i < NF; i++) {
        final[i] = join(dir, names[i]);
        tmp[i] = join(dir, tmps[i]);
    }
    for (int i = 0; i < NF && rc == 0; i++) {
        if (!want[i]) continue;
        f[i] = fopen(tmp[i], "wb");
        if (!f[i]) {
            StrBuf sb = {0};
            sb_printf(&sb, "cannot open %s: %s", tmp[i], strerror(errno)); /* not a message: an error, shown through msg_text */
            *err = sb_take(&sb);
            rc = -1;
        } else {
            setvbuf(f[i], NULL, _IOFBF, 1 << 20);
        }
    }
    if (rc == 0) rc = gen_write(o, f[F_PERSONS], f[F_INSTITUTIONS], f[F_REVIEW], stats, err);
    for (int i = 0; i < NF; i++) {
        if (!f[i]) continue;
        if (fclose(f[i]) != 0 && rc == 0) {
            StrBuf sb = {0};
            sb_printf(&sb, "cannot write %s: %s", final[i], strerror(errno)); /* not a message: an error, shown through msg_text */
            *err = sb_take(&sb);
            rc = -1;
        }
    }
    for (int i = 0; i < NF; i++) {
        if (!want[i]) continue;
        if (rc == 0 && rename(tmp[i], final[i]) != 0) {
            StrBuf sb = {0};
            sb_printf(&sb, "cannot write %s: %s", final[i], strerror(errno)); /* not a message: an error, shown through msg_text */
            *err = sb_take(&sb);
            rc = -1;
        }
        if (rc != 0) unlink(tmp[i]);
    }
    if (rc == 0 && !want[F_REVIEW]) unlink(final[F_REVIEW]); /* stale from an earlier run */
    for (int i = 0; i < NF; i++) {
        free(final[i]);
        free(tmp[i]);
    }
    return rc;
}
