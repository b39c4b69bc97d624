/*
 * test-sddl.c - SIDs, ACLs, security descriptors and SDDL (issue 13): the
 * strings both ways, Windows' error codes for malformed strings (from the
 * conformance tests of advapi32 and Microsoft's documentation), hostile
 * binary descriptors, the access check, the descriptors object creation
 * makes, and the Win32 wrappers.
 */
#include "harness.h"
#include "internal.h"

#include <sddl.h>
#include <windows.h>

/* ---- helpers ------------------------------------------------------------------ */

/* s -> descriptor -> string (all parts); the string, malloc'd. */
static char *roundtrip(const char *s)
{
    void *sd = (void *)1;
    size_t len = 0;
    int r = shmap_sd_from_sddl(s, &sd, &len);
    if (r)
        harness_fail(__FILE__, __LINE__, "parse \"%s\": %d", s, r);
    char *out = NULL;
    r = shmap_sd_to_sddl(sd, len, 0xF, &out);
    if (r)
        harness_fail(__FILE__, __LINE__, "format \"%s\": %d", s, r);
    /* and back: the same bytes */
    void *sd2;
    size_t len2;
    ASSERT_EQ(shmap_sd_from_sddl(out, &sd2, &len2), 0);
    ASSERT_EQ(len2, len);
    ASSERT_EQ(memcmp(sd, sd2, len), 0);
    shmap_free(sd);
    shmap_free(sd2);
    return out;
}

#define ASSERT_RT(in, want)                                                                        \
    do {                                                                                           \
        char *o_ = roundtrip(in);                                                                  \
        ASSERT_STR_EQ(o_, want);                                                                   \
        shmap_free(o_);                                                                            \
    } while (0)

static int parse_err(const char *s)
{
    void *sd = NULL;
    int r = shmap_sd_from_sddl(s, &sd, NULL);
    if (r == 0)
        shmap_free(sd);
    return r;
}

static const uint32_t event_map[4] = {0x00020001, 0x00020002, 0x00120000, 0x001F0003};

static int check(const char *sddl, const struct shmap_token *t, uint32_t want, uint32_t *granted)
{
    void *sd;
    size_t len;
    int r = shmap_sd_from_sddl(sddl, &sd, &len);
    if (r)
        harness_fail(__FILE__, __LINE__, "parse \"%s\": %d", sddl, r);
    *granted = 0xdeadbeef;
    r = shmap_sd_access_check(sd, len, t, want, event_map, granted);
    shmap_free(sd);
    return r;
}

/* ---- SIDs ------------------------------------------------------------------------ */

TEST(sid_string_both_ways)
{
    static const char *const s[] = {"S-1-5-32-544",
                                    "S-1-5-21-93476-23408-4576",
                                    "S-1-860116326-1",
                                    "S-1-0x123456789ABC-7",
                                    "S-1-22-1-1000",
                                    "S-1-5-18",
                                    "S-1-1-0-1-2-3-4-5-6-7-8-9-10-11-12-13-14"};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        void *sid;
        size_t len = 0;
        char *back = NULL;
        ASSERT_EQ(shmap_sid_from_string(s[i], &sid, &len), 0);
        ASSERT_EQ(shmap_sid_to_string(sid, len, &back), 0);
        ASSERT_STR_EQ(back, s[i]);
        shmap_free(back);
        shmap_free(sid);
    }
}

TEST(sid_binary_layout)
{
    void *sid;
    size_t len;
    ASSERT_EQ(shmap_sid_from_string("S-1-5-32-544", &sid, &len), 0);
    static const uint8_t want[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
    ASSERT_EQ(len, 16);
    ASSERT_EQ(memcmp(sid, want, 16), 0);
    shmap_free(sid);
    /* authority 2^32 and above: 0x and 12 hex digits, as Windows prints it */
    ASSERT_EQ(shmap_sid_from_string("S-1-4294967296-1", &sid, &len), SHMAP_EBADSID);
    ASSERT_EQ(shmap_sid_from_string("S-1-0x100000000-1", &sid, &len), 0);
    char *s;
    ASSERT_EQ(shmap_sid_to_string(sid, len, &s), 0);
    ASSERT_STR_EQ(s, "S-1-0x000100000000-1");
    shmap_free(s);
    shmap_free(sid);
}

TEST(sid_aliases_parse_to_their_sids)
{
    static const char *const a[][2] = {
        {"WD", "S-1-1-0"},      {"CO", "S-1-3-0"},      {"CG", "S-1-3-1"},
        {"OW", "S-1-3-4"},      {"SY", "S-1-5-18"},     {"BA", "S-1-5-32-544"},
        {"BU", "S-1-5-32-545"}, {"AU", "S-1-5-11"},     {"IU", "S-1-5-4"},
        {"NS", "S-1-5-20"},     {"LS", "S-1-5-19"},     {"AN", "S-1-5-7"},
        {"PS", "S-1-5-10"},     {"RC", "S-1-5-12"},     {"SU", "S-1-5-6"},
        {"NU", "S-1-5-2"},      {"ED", "S-1-5-9"},      {"BG", "S-1-5-32-546"},
        {"PU", "S-1-5-32-547"}, {"AO", "S-1-5-32-548"}, {"SO", "S-1-5-32-549"},
        {"PO", "S-1-5-32-550"}, {"BO", "S-1-5-32-551"}, {"RE", "S-1-5-32-552"},
        {"RU", "S-1-5-32-554"}, {"RD", "S-1-5-32-555"}, {"NO", "S-1-5-32-556"},
        {"AC", "S-1-15-2-1"},   {"HI", "S-1-16-12288"}, {"WR", "S-1-5-33"},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        void *sid;
        size_t len;
        char *s;
        ASSERT_EQ(shmap_sid_from_string(a[i][0], &sid, &len), 0);
        ASSERT_EQ(shmap_sid_to_string(sid, len, &s), 0); /* never an alias */
        ASSERT_STR_EQ(s, a[i][1]);
        shmap_free(s);
        shmap_free(sid);
        /* and SDDL writes the alias back */
        char in[64], want[64];
        snprintf(in, sizeof in, "O:%s", a[i][1]);
        snprintf(want, sizeof want, "O:%s", a[i][0]);
        ASSERT_RT(in, want);
    }
}

TEST(sid_bad_strings_are_invalid_sid)
{
    static const char *const bad[] = {"S-1-5",
                                      "S-2-5-18",
                                      "S-1--5",
                                      "S-1-5-",
                                      "S-1-5-x",
                                      "S-1-5-18 ",
                                      "X-1-5-18",
                                      "wd",
                                      "WDX",
                                      "S-1-5-4294967296",
                                      "S-1-0x-5",
                                      "",
                                      "S-1-0x1234567890ABC-1",
                                      "S-1-1-0-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *sid = (void *)1;
        int r = shmap_sid_from_string(bad[i], &sid, NULL);
        if (r != SHMAP_EBADSID)
            harness_fail(__FILE__, __LINE__, "\"%s\": %d", bad[i], r);
        ASSERT_PTR_EQ(sid, (void *)1);
    }
    void *sid;
    ASSERT_EQ(shmap_sid_from_string(NULL, &sid, NULL), -EINVAL);
    ASSERT_EQ(shmap_sid_from_string("S-1-5-18", NULL, NULL), -EFAULT);
}

TEST(sid_unix_principals)
{
    uint8_t sid[SHMAP_SID_MAX_SIZE];
    size_t len;
    char *s;
    ASSERT_EQ(shmap_sid_from_unix(0, 1000, sid, &len), 0);
    ASSERT_EQ(len, 16);
    ASSERT_EQ(shmap_sid_to_string(sid, len, &s), 0);
    ASSERT_STR_EQ(s, "S-1-22-1-1000");
    shmap_free(s);
    ASSERT_EQ(shmap_sid_from_unix(1, 4294967295u, sid, &len), 0);
    ASSERT_EQ(shmap_sid_to_string(sid, len, &s), 0);
    ASSERT_STR_EQ(s, "S-1-22-2-4294967295");
    shmap_free(s);
    uint32_t id;
    ASSERT_EQ(shmap__sid_classify(sid, &id), SHMAP_SIDC_GROUP);
    ASSERT_EQ_U(id, 4294967295u);
    /* a truncated SID is refused */
    ASSERT_EQ(shmap_sid_validate(sid, 15, NULL), SHMAP_EBADSID);
    ASSERT_EQ(shmap_sid_validate(sid, 16, &len), 0);
}

/* ---- SDDL -------------------------------------------------------------------------- */

TEST(sddl_round_trips_canonical_strings)
{
    static const char *const same[] = {
        "",
        "O:BAG:SY",
        "D:",
        "S:",
        "D:NO_ACCESS_CONTROL",
        "D:(A;;GA;;;WD)",
        "D:P(A;;GA;;;WD)",
        "D:PARAI(D;OICI;GA;;;BU)(A;;GR;;;S-1-22-1-1000)",
        "O:SYG:S-1-5-21-93476-23408-4576D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)"
        "(D;OICI;0xffffffff;;;S-1-5-21-93476-23408-4576)",
        "O:SYG:S-1-5-21-93476-23408-4576D:NO_ACCESS_CONTROLS:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)"
        "(AU;NPSA;0x12019f;;;SU)",
        "D:(A;;FA;;;SY)(A;;FR;;;BU)(A;;FW;;;BU)(A;;FX;;;BU)(A;;KA;;;BA)(A;;KR;;;AU)(A;;KW;;;AU)",
        "D:(A;;SDRCWDWO;;;WD)",
        "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)", /* as Windows writes a service's */
        "D:(A;;CCDCLCSWRPWPDTLOCR;;;WD)",
        "D:(A;;;;;WD)",
        "S:(ML;;NW;;;LW)",
        "S:(ML;;NWNRNX;;;HI)",
        "D:(A;;0x1f0003;;;S-1-22-2-100)",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        ASSERT_RT(same[i], same[i]);
}

TEST(sddl_canonical_form)
{
    /* white space where Windows allows it goes */
    ASSERT_RT(" D:(D;;GA;;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D: (D;;GA;;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:( D;;GA;;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D; ;GA;;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D;; GA;;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D;;GA; ;;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D;;GA;; ;WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D;;GA;;; WD)", "D:(D;;GA;;;WD)");
    ASSERT_RT("D:(D;;GA;;;WD )", "D:(D;;GA;;;WD)");
    /* rights: codes in bit order, combined codes only for their exact mask */
    ASSERT_RT("D:(A;;GRGWGX;;;WD)", "D:(A;;GXGWGR;;;WD)");
    ASSERT_RT("D:(A;;0xF0000000;;;WD)", "D:(A;;GAGXGWGR;;;WD)");
    ASSERT_RT("D:(A;;FAFRFWFX;;;WD)", "D:(A;;FA;;;WD)");
    ASSERT_RT("D:(A;;KAKRKWKX;;;WD)", "D:(A;;KA;;;WD)");
    ASSERT_RT("D:(A;;KX;;;WD)", "D:(A;;KR;;;WD)");
    ASSERT_RT("D:(A;;0x2001f;;;WD)", "D:(A;;CCDCLCSWRPRC;;;WD)");
    ASSERT_RT("D:(A;;0xFFFFFFFF;;;WD)", "D:(A;;0xffffffff;;;WD)");
    ASSERT_RT("S:(AU;;0xDeAdBeEf;;;WD)", "S:(AU;;0xdeadbeef;;;WD)");
    ASSERT_RT("D:(A;;1;;;WD)", "D:(A;;CC;;;WD)");
    ASSERT_RT("D:(A;;010;;;WD)", "D:(A;;SW;;;WD)"); /* octal, as strtoul */
    ASSERT_RT("D:(A;;0x100000;;;WD)", "D:(A;;0x100000;;;WD)");
    /* flags in bit order; components in Windows' order */
    ASSERT_RT("D:(A;FASAIDIONPCIOI;GA;;;WD)", "D:(A;OICINPIOIDSAFA;GA;;;WD)");
    ASSERT_RT("S:(AU;SA;GA;;;WD)D:(A;;GA;;;WD)G:BUO:BA", "O:BAG:BUD:(A;;GA;;;WD)S:(AU;SA;GA;;;WD)");
    ASSERT_RT("D:AIARP", "D:PARAI");
    ASSERT_RT("O:S-1-5-32-544", "O:BA");
    ASSERT_RT("O:s-1-5-18", "O:SY");
}

TEST(sddl_layout_is_windows)
{
    void *sd;
    size_t len;
    /* "D:": a 20-byte header and an 8-byte ACL right after it */
    ASSERT_EQ(shmap_sd_from_sddl("D:", &sd, &len), 0);
    ASSERT_EQ(len, 28);
    static const uint8_t d[28] = {1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0, 0, 20,   0,    0, 0, 2, 0, 8, 0, 0, 0, 0, 0};
    ASSERT_EQ(memcmp(sd, d, 28), 0);
    shmap_free(sd);
    /* "": the header alone */
    ASSERT_EQ(shmap_sd_from_sddl("", &sd, &len), 0);
    ASSERT_EQ(len, 20);
    ASSERT_EQ(((uint8_t *)sd)[3], 0x80);
    shmap_free(sd);
    /* SACL, DACL, owner, group */
    ASSERT_EQ(shmap_sd_from_sddl("O:SYG:BAD:(A;;GA;;;WD)S:", &sd, &len), 0);
    const uint8_t *s = sd;
    ASSERT_EQ(len, 20 + 8 + 28 + 12 + 16);
    ASSERT_EQ(s[12], 20); /* SACL */
    ASSERT_EQ(s[16], 28); /* DACL */
    ASSERT_EQ(s[4], 56);  /* owner */
    ASSERT_EQ(s[8], 68);  /* group */
    ASSERT_EQ(s[2], 0x14);
    shmap_free(sd);
}

TEST(sddl_malformed_strings_give_windows_errors)
{
    static const struct {
        const char *s;
        int err;
    } bad[] = {
        {"ERROR:(D;;GA;;;WD)", -EINVAL},    /* advapi32 tests: ERROR_INVALID_PARAMETER */
        {"D:(D ;;GA;;;WD)", SHMAP_EBADACL}, /* ERROR_INVALID_ACL (Vista+) */
        {"D:(D;;GA ;;;WD)", SHMAP_EBADACL},
        {"D:(A;;ROB;;;WD)", SHMAP_EBADACL},
        {"D:(D;;GA;;;WDANDSUCH)", SHMAP_EBADACL},
        {"D:(D;;GA;;;Nonexistent account)", SHMAP_EBADACL},
        {"D:(D;;GA;;;wd)", SHMAP_EBADACL}, /* codes are case-sensitive */
        {"D:(a;;GA;;;WD)", SHMAP_EBADACL},
        {"D:(D;;ga;;;WD)", SHMAP_EBADACL},
        {"D:(X;;GA;;;WD)", SHMAP_EBADACL},
        {"D:(A;XX;GA;;;WD)", SHMAP_EBADACL},
        {"D:(A;;GA;;;WD", SHMAP_EBADACL},
        {"D:(A;;GA;;WD)", SHMAP_EBADACL},
        {"D:(A;;GA;;;;WD)", SHMAP_EBADACL},
        {"D:(A;;GA;x;;WD)", SHMAP_EBADACL}, /* object ACEs are not supported */
        {"D:(A;;0x100000000;;;WD)", SHMAP_EBADACL},
        {"D:(A;;GA;;;S-1-5)", SHMAP_EBADACL},
        {"D:NO_ACCESS_CONTROL(A;;GA;;;WD)", SHMAP_EBADACL},
        {"D:(A;;GA;;;WD)junk", -EINVAL},
        {"D:X", -EINVAL},
        {"D:D:", -EINVAL},
        {"O:BAO:BA", -EINVAL},
        {"O:XX", SHMAP_EBADSID},
        {"G:S-1-5", SHMAP_EBADSID},
        {"O:", SHMAP_EBADSID},
        {"d:(A;;GA;;;WD)", -EINVAL},
        {"D", -EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = parse_err(bad[i].s);
        if (r != bad[i].err)
            harness_fail(__FILE__, __LINE__, "\"%s\": %d, want %d", bad[i].s, r, bad[i].err);
    }
    void *sd;
    ASSERT_EQ(shmap_sd_from_sddl(NULL, &sd, NULL), -EINVAL);
    ASSERT_EQ(shmap_sd_from_sddl("D:", NULL, NULL), -EFAULT);
}

/* ---- hostile binary descriptors ------------------------------------------------------ */

TEST(sd_hostile_bytes_are_refused)
{
    void *sd;
    size_t len;
    ASSERT_EQ(shmap_sd_from_sddl("O:SYG:BAD:(A;;GA;;;WD)S:(AU;SA;GA;;;WD)", &sd, &len), 0);
    uint8_t *s = sd;
    ASSERT_EQ(shmap_sd_validate(sd, len), 0);
    /* every truncation is refused */
    for (size_t l = 0; l < len; l++)
        ASSERT_NE(shmap_sd_validate(sd, l), 0);
    uint8_t *c = malloc(len);
    /* layout: SACL at 20 (8 + 20), DACL at 48 (its ACE at 56, the ACE's SID
     * at 64), owner at 76, group at 88 */
    ASSERT_EQ(s[16], 48);
    ASSERT_EQ(s[4], 76);
    static const struct {
        size_t off;
        uint8_t v;
        int err;
    } muts[] = {
        {0, 2, SHMAP_EREVISION},   /* revision */
        {3, 0x00, SHMAP_EBADSD},   /* not self-relative */
        {4, 200, SHMAP_EBADSD},    /* owner offset outside */
        {4, 3, SHMAP_EBADSD},      /* owner offset inside the header */
        {16, 255, SHMAP_EBADSD},   /* DACL offset outside */
        {48, 1, SHMAP_EBADACL},    /* DACL revision */
        {50, 200, SHMAP_EBADACL},  /* AclSize past the end */
        {52, 2, SHMAP_EBADACL},    /* AceCount */
        {58, 9, SHMAP_EBADACL},    /* ACE size not a multiple of 4 */
        {58, 4, SHMAP_EBADACL},    /* ACE size too small for its SID */
        {56, 0x09, SHMAP_EBADACL}, /* unknown ACE type */
        {64, 2, SHMAP_EBADACL},    /* SID revision in an ACE */
        {65, 9, SHMAP_EBADACL},    /* SID count runs out of the ACE */
        {76, 2, SHMAP_EBADSID},    /* owner SID revision */
        {77, 16, SHMAP_EBADSID},   /* owner SID count > 15 */
        {89, 3, SHMAP_EBADSID},    /* group SID runs past the end */
    };
    for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
        memcpy(c, sd, len);
        c[muts[i].off] = muts[i].v;
        int r = shmap_sd_validate(c, len);
        if (r != muts[i].err)
            harness_fail(__FILE__, __LINE__, "mutation %zu: %d, want %d", i, r, muts[i].err);
    }
    /* a DACL offset ignored when SE_DACL_PRESENT is clear */
    memcpy(c, sd, len);
    c[2] &= (uint8_t)~SHMAP_SE_DACL_PRESENT;
    c[16] = 255;
    ASSERT_EQ(shmap_sd_validate(c, len), 0);
    free(c);
    size_t l2 = 0;
    ASSERT_EQ(shmap_sd_length(sd, len, &l2), 0);
    ASSERT_EQ(l2, len);
    ASSERT_EQ(shmap_sd_length(sd, len - 1, &l2), SHMAP_EBADSD);
    shmap_free(sd);
}

TEST(acl_building)
{
    uint8_t acl[64], sid[SHMAP_SID_MAX_SIZE];
    size_t sl;
    ASSERT_EQ(shmap_acl_init(acl, 7, SHMAP_ACL_REVISION), SHMAP_ESMALL);
    ASSERT_EQ(shmap_acl_init(acl, 0x10000, SHMAP_ACL_REVISION), -EINVAL);
    ASSERT_EQ(shmap_acl_init(acl, sizeof acl, 1), -EINVAL);
    ASSERT_EQ(shmap_acl_init(acl, sizeof acl, 5), -EINVAL);
    ASSERT_EQ(shmap_acl_init(acl, 36, SHMAP_ACL_REVISION), 0);
    ASSERT_EQ(shmap_acl_validate(acl, 36), 0);
    ASSERT_EQ(shmap_sid_from_unix(0, 1000, sid, &sl), 0);
    ASSERT_EQ(shmap_acl_add_ace(acl, SHMAP_ACE_ALLOWED, SHMAP_ACE_OBJECT_INHERIT, 0x1F0003, sid),
              0);
    /* 8 + 24 = 32 of 36 used: the next does not fit */
    ASSERT_EQ(shmap_acl_add_ace(acl, SHMAP_ACE_DENIED, 0, 1, sid), SHMAP_EACLFULL);
    ASSERT_EQ(shmap_acl_add_ace(acl, SHMAP_ACE_DENIED, 0x20, 1, sid), -EINVAL);
    ASSERT_EQ(shmap_acl_add_ace(acl, 7, 0, 1, sid), -EINVAL);
    uint8_t badsid[8] = {2, 0};
    ASSERT_EQ(shmap_acl_add_ace(acl, SHMAP_ACE_DENIED, 0, 1, badsid), SHMAP_EBADSID);
    ASSERT_EQ(acl[4], 1);
    ASSERT_EQ(acl[8], SHMAP_ACE_ALLOWED);
    ASSERT_EQ(acl[9], SHMAP_ACE_OBJECT_INHERIT);
    ASSERT_EQ(acl[10], 24);
    ASSERT_EQ(memcmp(acl + 16, sid, 16), 0);
    void *sd;
    size_t len;
    char *s;
    ASSERT_EQ(shmap_sd_make(0, sid, NULL, NULL, acl, &sd, &len), 0);
    ASSERT_EQ(shmap_sd_to_sddl(sd, len, 0xF, &s), 0);
    ASSERT_STR_EQ(s, "O:S-1-22-1-1000D:(A;OI;0x1f0003;;;S-1-22-1-1000)");
    shmap_free(s);
    ASSERT_EQ(shmap_sd_to_sddl(sd, len, SHMAP_DACL_SECURITY_INFORMATION, &s), 0);
    ASSERT_STR_EQ(s, "D:(A;OI;0x1f0003;;;S-1-22-1-1000)");
    shmap_free(s);
    ASSERT_EQ(shmap_sd_to_sddl(sd, len, 0, &s), 0);
    ASSERT_STR_EQ(s, "");
    shmap_free(s);
    shmap_free(sd);
    /* a NULL DACL */
    ASSERT_EQ(shmap_sd_make(SHMAP_SE_DACL_PRESENT, NULL, NULL, NULL, NULL, &sd, &len), 0);
    ASSERT_EQ(shmap_sd_to_sddl(sd, len, 0xF, &s), 0);
    ASSERT_STR_EQ(s, "D:NO_ACCESS_CONTROL");
    shmap_free(s);
    shmap_free(sd);
}

/* ---- the access check ----------------------------------------------------------------- */

static const uint32_t groups[] = {27, 100};
static const struct shmap_token user = {1000, 1000, groups, 2};
static const struct shmap_token other = {1001, 1001, NULL, 0};
static const struct shmap_token root = {0, 0, NULL, 0};

TEST(access_null_and_missing_dacl_grant_everything)
{
    uint32_t g;
    ASSERT_EQ(check("D:NO_ACCESS_CONTROL", &other, 0x1F0003, &g), 0);
    ASSERT_EQ_U(g, 0x1F0003);
    ASSERT_EQ(check("O:BA", &other, 0x2, &g), 0);
    ASSERT_EQ_U(g, 0x2);
    ASSERT_EQ(check("", &other, SHMAP_MAXIMUM_ALLOWED, &g), 0);
    ASSERT_EQ_U(g, 0x1F0003);
    ASSERT_EQ(check("", &other, SHMAP_GENERIC_READ, &g), 0);
    ASSERT_EQ_U(g, 0x20001);
    ASSERT_EQ(check("", &other, SHMAP_ACCESS_SYSTEM_SECURITY, &g), SHMAP_EPRIV);
    ASSERT_EQ_U(g, 0xdeadbeef);
    ASSERT_EQ(check("", &other, 0, &g), -EACCES);
}

TEST(access_empty_dacl_leaves_the_owner_read_control_and_write_dac)
{
    uint32_t g;
    ASSERT_EQ(check("O:S-1-22-1-1000D:", &user, 0x1, &g), -EACCES);
    ASSERT_EQ_U(g, 0xdeadbeef);
    ASSERT_EQ(check("O:S-1-22-1-1000D:", &user, SHMAP_READ_CONTROL | SHMAP_WRITE_DAC, &g), 0);
    ASSERT_EQ_U(g, SHMAP_READ_CONTROL | SHMAP_WRITE_DAC);
    ASSERT_EQ(check("O:S-1-22-1-1000D:", &user, SHMAP_MAXIMUM_ALLOWED, &g), 0);
    ASSERT_EQ_U(g, SHMAP_READ_CONTROL | SHMAP_WRITE_DAC);
    ASSERT_EQ(check("O:S-1-22-1-1000D:", &other, SHMAP_READ_CONTROL, &g), -EACCES);
    ASSERT_EQ(check("O:S-1-22-1-1000D:", &other, SHMAP_MAXIMUM_ALLOWED, &g), -EACCES);
    /* an owner group counts too; a deny cannot take the implicit rights */
    ASSERT_EQ(check("O:S-1-22-2-100D:(D;;GA;;;WD)", &user, SHMAP_READ_CONTROL, &g), 0);
}

TEST(access_first_decisive_ace_wins_per_bit)
{
    uint32_t g;
    /* deny before allow */
    ASSERT_EQ(check("D:(D;;0x2;;;S-1-22-1-1000)(A;;GA;;;WD)", &user, 0x3, &g), -EACCES);
    ASSERT_EQ(check("D:(D;;0x2;;;S-1-22-1-1000)(A;;GA;;;WD)", &user, 0x1, &g), 0);
    ASSERT_EQ_U(g, 0x1);
    ASSERT_EQ(check("D:(D;;0x2;;;S-1-22-1-1000)(A;;GA;;;WD)", &user, SHMAP_MAXIMUM_ALLOWED, &g), 0);
    ASSERT_EQ_U(g, 0x1F0001);
    ASSERT_EQ(check("D:(D;;0x2;;;S-1-22-1-1000)(A;;GA;;;WD)", &other, 0x3, &g), 0);
    /* allow then deny: the allow decided first */
    ASSERT_EQ(check("D:(A;;GA;;;WD)(D;;0x2;;;S-1-22-1-1000)", &user, 0x3, &g), 0);
    ASSERT_EQ_U(g, 0x3);
    ASSERT_EQ(check("D:(A;;0x1;;;WD)(D;;0x3;;;S-1-22-2-27)(A;;0x2;;;WD)", &user, 0x3, &g), -EACCES);
    ASSERT_EQ(check("D:(A;;0x1;;;WD)(D;;0x3;;;S-1-22-2-27)(A;;0x2;;;WD)", &user,
                    SHMAP_MAXIMUM_ALLOWED, &g),
              0);
    ASSERT_EQ_U(g, 0x1);
    /* allows accumulate over ACEs and SIDs */
    ASSERT_EQ(check("D:(A;;0x1;;;S-1-22-2-100)(A;;0x2;;;AU)", &user, 0x3, &g), 0);
    ASSERT_EQ(check("D:(A;;0x1;;;S-1-22-2-100)(A;;0x2;;;AU)", &other, 0x3, &g), -EACCES);
    /* inherit-only ACEs do not apply to the object */
    ASSERT_EQ(check("D:(A;OIIO;GA;;;WD)", &user, 0x1, &g), -EACCES);
    ASSERT_EQ(check("D:(D;IO;GA;;;WD)(A;;GA;;;WD)", &user, 0x1, &g), 0);
    /* root holds SY and BA */
    ASSERT_EQ(check("D:(A;;GA;;;SY)", &root, 0x1F0003, &g), 0);
    ASSERT_EQ(check("D:(A;;GA;;;BA)", &root, 0x1F0003, &g), 0);
    ASSERT_EQ(check("D:(A;;GA;;;BA)", &user, 0x1, &g), -EACCES);
}

TEST(access_owner_rights_replace_the_implicit_ones)
{
    uint32_t g;
    /* an OW ACE: the owner gets what it says, not READ_CONTROL|WRITE_DAC */
    ASSERT_EQ(check("O:S-1-22-1-1000D:(A;;0x1;;;OW)", &user, SHMAP_READ_CONTROL, &g), -EACCES);
    ASSERT_EQ(check("O:S-1-22-1-1000D:(A;;0x1;;;OW)", &user, SHMAP_MAXIMUM_ALLOWED, &g), 0);
    ASSERT_EQ_U(g, 0x1);
    ASSERT_EQ(check("O:S-1-22-1-1000D:(A;;0x1;;;OW)", &other, 0x1, &g), -EACCES);
    /* an inherit-only OW ACE does not count */
    ASSERT_EQ(check("O:S-1-22-1-1000D:(A;IO;0x1;;;OW)", &user, SHMAP_MAXIMUM_ALLOWED, &g), 0);
    ASSERT_EQ_U(g, SHMAP_READ_CONTROL | SHMAP_WRITE_DAC);
}

TEST(access_generic_mapping_per_type)
{
    for (shmap_type_t t = SHMAP_TYPE_MAPPING; t <= SHMAP_TYPE_THREAD; t++) {
        uint32_t map[4], g;
        if (shmap__access_generic_map(t, map))
            continue;
        ASSERT_EQ_U(map[3], shmap__access_map_generic(t, SHMAP_GENERIC_ALL));
        ASSERT_EQ_U(map[0], shmap__access_map_generic(t, SHMAP_GENERIC_READ));
        void *sd;
        size_t len;
        ASSERT_EQ(shmap_sd_from_sddl("D:(A;;GR;;;WD)", &sd, &len), 0);
        ASSERT_EQ(shmap_sd_access_check(sd, len, &other, SHMAP_GENERIC_READ, map, &g), 0);
        ASSERT_EQ_U(g, map[0]);
        ASSERT_EQ(shmap_sd_access_check(sd, len, &other, SHMAP_MAXIMUM_ALLOWED, map, &g), 0);
        ASSERT_EQ_U(g, map[0]);
        if (map[1] & ~map[0])
            ASSERT_EQ(shmap_sd_access_check(sd, len, &other, SHMAP_GENERIC_WRITE, map, &g),
                      -EACCES);
        shmap_free(sd);
    }
    uint32_t map[4];
    ASSERT_EQ(shmap__access_generic_map(SHMAP_TYPE_NONE, map), -EINVAL);
    /* files: FILE_GENERIC_READ, _WRITE, _EXECUTE, FILE_ALL_ACCESS */
    ASSERT_EQ(shmap__access_generic_map(SHMAP_TYPE_FILE, map), 0);
    ASSERT_EQ_U(map[0], 0x00120089);
    ASSERT_EQ_U(map[1], 0x00120116);
    ASSERT_EQ_U(map[2], 0x001200A0);
    ASSERT_EQ_U(map[3], 0x001F01FF);
    /* the section's map from §10.2 */
    ASSERT_EQ(shmap__access_generic_map(SHMAP_TYPE_MAPPING, map), 0);
    ASSERT_EQ_U(map[0], 0x00020005);
    ASSERT_EQ_U(map[3], 0x000F001F);
}

TEST(access_check_for_the_calling_process)
{
    uint32_t g;
    char s[64];
    snprintf(s, sizeof s, "D:(A;;0x2;;;S-1-22-1-%u)", (unsigned)geteuid());
    ASSERT_EQ(check(s, NULL, 0x2, &g), 0);
    ASSERT_EQ(check(s, NULL, 0x1, &g), -EACCES);
    void *sids;
    size_t len, n;
    ASSERT_EQ(shmap_token_sids(&sids, &len, &n), 0);
    char *str;
    ASSERT_EQ(shmap_sid_to_string(sids, len, &str), 0);
    snprintf(s, sizeof s, "S-1-22-1-%u", (unsigned)geteuid());
    ASSERT_STR_EQ(str, s);
    shmap_free(str);
    ASSERT_GE(n, 4);
    shmap_free(sids);
}

/* ---- what object creation does ----------------------------------------------------------- */

static char *sddl_of(const void *sd, size_t len)
{
    char *s = NULL;
    ASSERT_EQ(shmap_sd_to_sddl(sd, len, 0xF, &s), 0);
    return s;
}

TEST(sd_default_and_normalize)
{
    void *sd;
    size_t len;
    ASSERT_EQ(shmap__sd_default(1000, 100, event_map, &sd, &len), 0);
    char *s = sddl_of(sd, len);
    ASSERT_STR_EQ(s, "O:S-1-22-1-1000G:S-1-22-2-100D:(A;;0x1f0003;;;S-1-22-1-1000)"
                     "(A;;0x1f0003;;;SY)(A;;0x1f0003;;;BA)");
    shmap_free(s);
    uint32_t g;
    ASSERT_EQ(shmap__sd_access_check(sd, len, &user, SHMAP_MAXIMUM_ALLOWED, event_map, &g), 0);
    ASSERT_EQ_U(g, 0x1F0003);
    ASSERT_EQ(shmap__sd_access_check(sd, len, &other, 0x1, event_map, &g), -EACCES);
    shmap_free(sd);

    static const char *const cases[][2] = {
        {"D:(A;;GR;;;WD)", "O:S-1-22-1-1000G:S-1-22-2-100D:(A;;CCRC;;;WD)"},
        {"O:BAD:NO_ACCESS_CONTROL", "O:BAG:S-1-22-2-100D:NO_ACCESS_CONTROL"},
        {"G:SY", "O:S-1-22-1-1000G:SYD:(A;;0x1f0003;;;S-1-22-1-1000)(A;;0x1f0003;;;SY)"
                 "(A;;0x1f0003;;;BA)"},
        {"O:BAD:(A;;GA;;;CO)(A;OIIO;GA;;;CO)(A;CI;GW;;;CG)",
         "O:BAG:S-1-22-2-100D:(A;;0x1f0003;;;BA)(A;OIIO;GA;;;CO)(A;;DCRC;;;S-1-22-2-100)"
         "(A;CIIO;GW;;;CG)"},
        {"D:PAI(A;;GA;;;WD)S:(AU;SA;GA;;;WD)",
         "O:S-1-22-1-1000G:S-1-22-2-100D:PAI(A;;0x1f0003;;;WD)S:(AU;SA;GA;;;WD)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *in, *out;
        size_t il, ol;
        ASSERT_EQ(shmap_sd_from_sddl(cases[i][0], &in, &il), 0);
        ASSERT_EQ(shmap__sd_normalize(in, il, 1000, 100, event_map, &out, &ol), 0);
        s = sddl_of(out, ol);
        ASSERT_STR_EQ(s, cases[i][1]);
        shmap_free(s);
        shmap_free(in);
        shmap_free(out);
    }
    uint8_t junk[20] = {1, 0, 0, 0};
    ASSERT_EQ(shmap__sd_normalize(junk, 20, 0, 0, event_map, &sd, &len), SHMAP_EBADSD);
}

struct walk_log {
    char text[256];
};

static int log_ace(const struct shmap_ace_info *a, void *arg)
{
    struct walk_log *l = arg;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "[%u %u %x %d %u]", a->type, a->flags,
             (unsigned)a->mask, (int)a->cls, (unsigned)a->id);
    return 0;
}

TEST(sd_walk_dacl_classifies_sids)
{
    void *sd;
    size_t len;
    struct walk_log l = {""};
    ASSERT_EQ(shmap_sd_from_sddl("D:(A;;0x1;;;S-1-22-1-1000)(D;OI;0x2;;;S-1-22-2-5)(A;;0x4;;;WD)"
                                 "(A;;0x8;;;SY)(A;;0x10;;;OW)(A;;0x20;;;BU)(A;;0x40;;;AU)",
                                 &sd, &len),
              0);
    ASSERT_EQ(shmap__sd_walk_dacl(sd, len, log_ace, &l), 0);
    ASSERT_STR_EQ(l.text, "[0 0 1 1 1000][1 1 2 2 5][0 0 4 3 0][0 0 8 5 0][0 0 10 6 0]"
                          "[0 0 20 0 0][0 0 40 4 0]");
    shmap_free(sd);
    ASSERT_EQ(shmap_sd_from_sddl("D:NO_ACCESS_CONTROL", &sd, &len), 0);
    ASSERT_EQ(shmap__sd_walk_dacl(sd, len, log_ace, &l), 1);
    shmap_free(sd);
}

/* ---- the Win32 face ------------------------------------------------------------------------ */

TEST(win32_absolute_descriptor_to_string)
{
    SECURITY_DESCRIPTOR sd;
    BYTE aclbuf[256];
    PACL acl = (PACL)aclbuf;
    PSID everyone = NULL, admins = NULL;
    SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    ASSERT_TRUE(
        AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone));
    ASSERT_TRUE(AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                         DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &admins));
    ASSERT_EQ(GetLengthSid(admins), 16);
    ASSERT_TRUE(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
    ASSERT_TRUE(InitializeAcl(acl, sizeof aclbuf, ACL_REVISION));
    ASSERT_TRUE(AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_READ, everyone));
    ASSERT_TRUE(
        AddAccessDeniedAceEx(acl, ACL_REVISION, CONTAINER_INHERIT_ACE, GENERIC_WRITE, everyone));
    ASSERT_TRUE(SetSecurityDescriptorDacl(&sd, TRUE, acl, FALSE));
    ASSERT_TRUE(SetSecurityDescriptorOwner(&sd, admins, FALSE));
    ASSERT_TRUE(IsValidSecurityDescriptor(&sd));

    DWORD need = 0;
    SetLastError(0);
    ASSERT_TRUE(!MakeSelfRelativeSD(&sd, NULL, &need));
    ASSERT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(need, 20 + sizeof aclbuf + 16); /* the whole ACL is copied, free space too */
    BYTE rel[512];
    ASSERT_TRUE(MakeSelfRelativeSD(&sd, rel, &need));
    ASSERT_EQ(GetSecurityDescriptorLength(rel), need);
    SECURITY_DESCRIPTOR_CONTROL ctl;
    DWORD rev;
    ASSERT_TRUE(GetSecurityDescriptorControl(rel, &ctl, &rev));
    ASSERT_EQ_U(ctl, SE_SELF_RELATIVE | SE_DACL_PRESENT);
    ASSERT_EQ(rev, 1);

    LPSTR str = NULL;
    ULONG slen = 0;
    ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(
        rel, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &str, &slen));
    ASSERT_STR_EQ(str, "O:BAD:(A;;GR;;;WD)(D;CI;GW;;;WD)");
    ASSERT_EQ(slen, strlen(str) + 1);
    LocalFree(str);
    /* the absolute one converts the same */
    ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(
        &sd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &str, NULL));
    ASSERT_STR_EQ(str, "O:BAD:(A;;GR;;;WD)(D;CI;GW;;;WD)");
    LocalFree(str);
    SetLastError(0);
    ASSERT_TRUE(!ConvertSecurityDescriptorToStringSecurityDescriptorA(&sd, 2, 4, &str, NULL));
    ASSERT_EQ(GetLastError(), ERROR_UNKNOWN_REVISION);

    /* and read back */
    BOOL present = FALSE, defaulted = TRUE;
    PACL dacl = NULL;
    ASSERT_TRUE(GetSecurityDescriptorDacl(rel, &present, &dacl, &defaulted));
    ASSERT_TRUE(present && !defaulted && dacl == (PACL)(rel + 20));
    ACL_SIZE_INFORMATION info;
    ASSERT_TRUE(GetAclInformation(dacl, &info, sizeof info, AclSizeInformation));
    ASSERT_EQ(info.AceCount, 2);
    ASSERT_EQ(info.AclBytesInUse, 8 + 20 + 20);
    ACCESS_DENIED_ACE *ace;
    ASSERT_TRUE(GetAce(dacl, 1, (LPVOID *)&ace));
    ASSERT_EQ(ace->Header.AceType, ACCESS_DENIED_ACE_TYPE);
    ASSERT_EQ_U(ace->Mask, GENERIC_WRITE);
    ASSERT_TRUE(EqualSid((PSID)&ace->SidStart, everyone));
    SetLastError(0);
    ASSERT_TRUE(!GetAce(dacl, 2, (LPVOID *)&ace));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    PSID owner = NULL;
    ASSERT_TRUE(GetSecurityDescriptorOwner(rel, &owner, &defaulted));
    ASSERT_TRUE(EqualSid(owner, admins));
    FreeSid(everyone);
    FreeSid(admins);
}

TEST(win32_string_conversions)
{
    PSECURITY_DESCRIPTOR psd = NULL;
    ULONG size = 0;
    SetLastError(0);
    ASSERT_TRUE(!ConvertStringSecurityDescriptorToSecurityDescriptorA("D:(A;;GA;;;WD)", 0xdeadbeef,
                                                                      &psd, NULL));
    ASSERT_EQ(GetLastError(), ERROR_UNKNOWN_REVISION);
    ASSERT_TRUE(!ConvertStringSecurityDescriptorToSecurityDescriptorA("D:(A;;ROB;;;WD)", 0xdeadbeef,
                                                                      NULL, NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(
        !ConvertStringSecurityDescriptorToSecurityDescriptorA(NULL, SDDL_REVISION_1, &psd, NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(!ConvertStringSecurityDescriptorToSecurityDescriptorA("ERROR:(D;;GA;;;WD)",
                                                                      SDDL_REVISION_1, &psd, NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(!ConvertStringSecurityDescriptorToSecurityDescriptorA("D:(D;;GA ;;;WD)",
                                                                      SDDL_REVISION_1, &psd, NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_ACL);
    ASSERT_TRUE(
        ConvertStringSecurityDescriptorToSecurityDescriptorA("S:", SDDL_REVISION_1, &psd, &size));
    ASSERT_EQ(size, 28);
    LocalFree(psd);
    ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorW(L"O:SYD:P(A;;GA;;;BA)",
                                                                     SDDL_REVISION_1, &psd, &size));
    LPWSTR w = NULL;
    ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorW(
        psd, SDDL_REVISION_1, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &w, NULL));
    ASSERT_TRUE(wcscmp(w, L"O:SYD:P(A;;GA;;;BA)") == 0);
    LocalFree(w);
    LocalFree(psd);

    /* SIDs */
    PSID sid = NULL;
    SetLastError(0);
    ASSERT_TRUE(!ConvertStringSidToSidA(NULL, &sid));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(!ConvertStringSidToSidA("S-1-5", NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(!ConvertStringSidToSidA("S-1-5", &sid));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_SID);
    ASSERT_TRUE(ConvertStringSidToSidA("S-1-5-21-93476-23408-4576", &sid));
    ASSERT_EQ(*GetSidSubAuthorityCount(sid), 4);
    ASSERT_EQ(*GetSidSubAuthority(sid, 3), 4576);
    ASSERT_TRUE(IsValidSid(sid));
    LPSTR s = NULL;
    ASSERT_TRUE(ConvertSidToStringSidA(sid, &s));
    ASSERT_STR_EQ(s, "S-1-5-21-93476-23408-4576");
    LocalFree(s);
    BYTE copy[SECURITY_MAX_SID_SIZE];
    SetLastError(0);
    ASSERT_TRUE(!CopySid(8, copy, sid));
    ASSERT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_TRUE(CopySid(sizeof copy, copy, sid));
    ASSERT_TRUE(EqualSid(copy, sid));
    LocalFree(sid);
    ASSERT_TRUE(ConvertStringSidToSidW(L"WD", &sid));
    LPWSTR ws = NULL;
    ASSERT_TRUE(ConvertSidToStringSidW(sid, &ws));
    ASSERT_TRUE(wcscmp(ws, L"S-1-1-0") == 0);
    LocalFree(ws);
    LocalFree(sid);
    ASSERT_EQ(GetSidLengthRequired(2), 16);
    SID_IDENTIFIER_AUTHORITY nt = {SECURITY_NT_AUTHORITY};
    ASSERT_TRUE(InitializeSid(copy, &nt, 1));
    *GetSidSubAuthority(copy, 0) = SECURITY_LOCAL_SYSTEM_RID;
    ASSERT_TRUE(ConvertSidToStringSidA(copy, &s));
    ASSERT_STR_EQ(s, "S-1-5-18");
    LocalFree(s);
}

TEST(win32_acl_and_descriptor_errors)
{
    BYTE buf[64];
    PACL acl = (PACL)buf;
    SetLastError(0);
    ASSERT_TRUE(!InitializeAcl(acl, sizeof(ACL) - 1, ACL_REVISION));
    ASSERT_EQ(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_TRUE(!InitializeAcl(acl, 0xffffffff, ACL_REVISION));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(!InitializeAcl(acl, sizeof buf, 1));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(InitializeAcl(acl, sizeof buf, ACL_REVISION_DS));
    ASSERT_TRUE(IsValidAcl(acl));
    PSID sid = NULL;
    SID_IDENTIFIER_AUTHORITY world = {SECURITY_WORLD_SID_AUTHORITY};
    SetLastError(0);
    ASSERT_TRUE(!AllocateAndInitializeSid(&world, 9, 0, 0, 0, 0, 0, 0, 0, 0, &sid));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_SID);
    ASSERT_TRUE(!AllocateAndInitializeSid(&world, 1, 0, 0, 0, 0, 0, 0, 0, 0, NULL));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(AllocateAndInitializeSid(&world, 1, 0, 0, 0, 0, 0, 0, 0, 0, &sid));
    ASSERT_TRUE(!AddAccessAllowedAce(acl, 5, GENERIC_ALL, sid));
    ASSERT_EQ(GetLastError(), ERROR_REVISION_MISMATCH);
    ASSERT_TRUE(!AddAccessAllowedAceEx(acl, ACL_REVISION, 0x20, GENERIC_ALL, sid));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_PARAMETER);
    BYTE notsid[8] = {2, 1};
    ASSERT_TRUE(!AddAccessDeniedAce(acl, ACL_REVISION, GENERIC_ALL, notsid));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_SID);
    /* 8 + 3 * 20 = 68 > 64: the third does not fit */
    ASSERT_TRUE(AddAccessDeniedAce(acl, ACL_REVISION, GENERIC_ALL, sid));
    ASSERT_TRUE(AddAccessDeniedAce(acl, ACL_REVISION, GENERIC_ALL, sid));
    ASSERT_TRUE(!AddAccessDeniedAce(acl, ACL_REVISION, GENERIC_ALL, sid));
    ASSERT_EQ(GetLastError(), ERROR_ALLOTTED_SPACE_EXCEEDED);
    ASSERT_EQ(acl->AclRevision, ACL_REVISION_DS); /* kept: the ACEs' revision was lower */
    FreeSid(sid);
    SECURITY_DESCRIPTOR sd;
    SetLastError(0);
    ASSERT_TRUE(!InitializeSecurityDescriptor(&sd, 2));
    ASSERT_EQ(GetLastError(), ERROR_UNKNOWN_REVISION);
    /* a self-relative descriptor cannot be made self-relative again */
    PSECURITY_DESCRIPTOR rel;
    ASSERT_TRUE(
        ConvertStringSecurityDescriptorToSecurityDescriptorA("D:", SDDL_REVISION_1, &rel, NULL));
    DWORD n = 100;
    SetLastError(0);
    ASSERT_TRUE(!MakeSelfRelativeSD(rel, buf, &n));
    ASSERT_EQ(GetLastError(), ERROR_BAD_DESCRIPTOR_FORMAT);
    SetLastError(0);
    ASSERT_TRUE(!SetSecurityDescriptorDacl(rel, TRUE, NULL, FALSE));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_SECURITY_DESCR);
    LocalFree(rel);
    /* a corrupt one is not valid */
    BYTE bad[20] = {1, 0, 0x04, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0};
    SetLastError(0);
    ASSERT_TRUE(!IsValidSecurityDescriptor(bad));
    ASSERT_EQ(GetLastError(), ERROR_INVALID_SECURITY_DESCR);
}

TEST(win32_layouts_are_windows)
{
    ASSERT_EQ(sizeof(SID), 12);
    ASSERT_EQ(sizeof(ACL), 8);
    ASSERT_EQ(sizeof(ACE_HEADER), 4);
    ASSERT_EQ(sizeof(ACCESS_ALLOWED_ACE), 12);
    ASSERT_EQ(FIELD_OFFSET(ACCESS_DENIED_ACE, SidStart), 8);
    ASSERT_EQ(sizeof(SECURITY_DESCRIPTOR_RELATIVE), 20);
    ASSERT_EQ(sizeof(SECURITY_DESCRIPTOR), sizeof(void *) == 8 ? 40 : 20);
    ASSERT_EQ(SECURITY_MAX_SID_SIZE, 68);
    ASSERT_EQ(sizeof(ACL_SIZE_INFORMATION), 12);
    ASSERT_EQ(sizeof(TOKEN_USER), sizeof(void *) == 8 ? 16 : 8);
    ASSERT_EQ(TokenPrimaryGroup, 5);
}

TEST(win32_null_and_absent_dacl)
{
    SECURITY_DESCRIPTOR sd;
    LPSTR s = NULL;
    ASSERT_TRUE(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
    ASSERT_TRUE(
        ConvertSecurityDescriptorToStringSecurityDescriptorA(&sd, SDDL_REVISION_1, 0xF, &s, NULL));
    ASSERT_STR_EQ(s, "");
    LocalFree(s);
    BOOL present = TRUE, defaulted = TRUE;
    PACL dacl = (PACL)1;
    ASSERT_TRUE(GetSecurityDescriptorDacl(&sd, &present, &dacl, &defaulted));
    ASSERT_TRUE(!present);
    ASSERT_PTR_EQ(dacl, (PACL)1); /* left as it was */
    ASSERT_TRUE(SetSecurityDescriptorDacl(&sd, TRUE, NULL, TRUE));
    ASSERT_TRUE(
        ConvertSecurityDescriptorToStringSecurityDescriptorA(&sd, SDDL_REVISION_1, 0xF, &s, NULL));
    ASSERT_STR_EQ(s, "D:NO_ACCESS_CONTROL");
    LocalFree(s);
    ASSERT_TRUE(GetSecurityDescriptorDacl(&sd, &present, &dacl, &defaulted));
    ASSERT_TRUE(present && defaulted);
    ASSERT_NULL(dacl);
    SECURITY_DESCRIPTOR_CONTROL c;
    DWORD rev;
    ASSERT_TRUE(GetSecurityDescriptorControl(&sd, &c, &rev));
    ASSERT_EQ_U(c, SE_DACL_PRESENT | SE_DACL_DEFAULTED);
    ASSERT_EQ(GetSecurityDescriptorLength(&sd), 20);
    ASSERT_TRUE(SetSecurityDescriptorDacl(&sd, FALSE, NULL, FALSE));
    ASSERT_TRUE(GetSecurityDescriptorControl(&sd, &c, &rev));
    ASSERT_EQ_U(c, SE_DACL_DEFAULTED);
    /* the self-relative NULL DACL reads back as present with no ACL */
    PSECURITY_DESCRIPTOR rel;
    ULONG n;
    ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA("D:NO_ACCESS_CONTROL",
                                                                     SDDL_REVISION_1, &rel, &n));
    ASSERT_EQ(n, 20);
    ASSERT_TRUE(GetSecurityDescriptorDacl(rel, &present, &dacl, &defaulted));
    ASSERT_TRUE(present && !defaulted);
    ASSERT_NULL(dacl);
    PSID owner = (PSID)1;
    ASSERT_TRUE(GetSecurityDescriptorOwner(rel, &owner, &defaulted));
    ASSERT_NULL(owner);
    LocalFree(rel);
}

TEST(bad_pointers_are_noaccess_not_faults)
{
    SetLastError(0);
    ASSERT_TRUE(!ConvertStringSidToSidA("S-1-5-18", (PSID *)8));
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    BOOL present, defaulted;
    PACL dacl;
    ASSERT_TRUE(!GetSecurityDescriptorDacl((PSECURITY_DESCRIPTOR)16, &present, &dacl, &defaulted));
    ASSERT_EQ(GetLastError(), ERROR_NOACCESS);
    ASSERT_TRUE(!IsValidSid((PSID)16));
    ASSERT_TRUE(!IsValidAcl((PACL)16));
    /* the native calls: -EFAULT */
    void *sd;
    ASSERT_EQ(shmap_sd_from_sddl("D:", (void **)8, NULL), -EFAULT);
    ASSERT_EQ(shmap_sd_validate((void *)16, 20), -EFAULT);
    ASSERT_EQ(shmap_sd_length((void *)16, 100, (size_t *)&sd), -EFAULT);
    uint32_t g;
    static const uint32_t map[4] = {1, 2, 4, 7};
    ASSERT_EQ(shmap_sd_access_check((void *)16, 20, NULL, 1, map, &g), -EFAULT);
    ASSERT_EQ(shmap_sd_access_check(NULL, 0, NULL, 1, NULL, &g), -EFAULT);
}
