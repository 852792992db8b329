/* mqtt: the packets encoded byte for byte against the specifications'
 * layouts (3.1.1 and 5); the reader fed every stream in pieces of every
 * size (one packet or several in one read, a length split between reads),
 * and refusing malformed lengths; CONNACK and PUBACK decoded over tables
 * of broker answers, refusals named as the specifications name them. */
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "proto/mqtt.h"

/* "20 02 00 05" -> bytes; the count */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v;
    int k;
    while (n < cap && sscanf(s, " %2x%n", &v, &k) == 1) {
        out[n++] = (uint8_t)v;
        s += k;
    }
    return n;
}

START_TEST(encode_connect)
{
    uint8_t out[256], want[256];
    static const uint8_t pw[] = { 'p', 'w' };
    struct {
        mqtt_connect c;
        const char *bytes; /* NULL: not encodable */
    } cases[] = {
        { { MQTT_V311, "dev1", NULL, NULL, 0, 60, 1 },
          "10 10 00 04 4d 51 54 54 04 02 00 3c 00 04 64 65 76 31" },
        { { MQTT_V5, "c", "u", pw, 2, 30, 1 },
          "10 15 00 04 4d 51 54 54 05 c2 00 1e 00 00 01 63 00 01 75 00 02 70 77" },
        { { MQTT_V311, "", "u", NULL, 0, 0, 0 }, "10 0f 00 04 4d 51 54 54 04 80 00 00 00 00 00 01 75" },
        /* MQTT 5 allows a password alone, 3.1.1 does not */
        { { MQTT_V5, "c", NULL, pw, 2, 0, 0 }, "10 12 00 04 4d 51 54 54 05 40 00 00 00 00 01 63 00 02 70 77" },
        { { MQTT_V311, "c", NULL, pw, 2, 0, 0 }, NULL },
        { { 3, "c", NULL, NULL, 0, 0, 0 }, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = mqtt_connect_encode(&cases[i].c, out, sizeof out);
        if (!cases[i].bytes) {
            ck_assert_msg(n == 0, "case %zu encoded", i);
            continue;
        }
        size_t wn = hex(cases[i].bytes, want, sizeof want);
        ck_assert_msg(n == wn && memcmp(out, want, n) == 0, "case %zu: %zu bytes, want %zu", i, n, wn);
        /* every shorter buffer is refused, none overrun */
        for (size_t cap = 0; cap < n; cap++)
            ck_assert_msg(mqtt_connect_encode(&cases[i].c, out, cap) == 0, "case %zu cap %zu", i, cap);
    }
    /* a client id past 65535 bytes cannot be encoded */
    static char longid[70000];
    memset(longid, 'a', sizeof longid - 1);
    static uint8_t big[80000];
    mqtt_connect c = { MQTT_V311, longid, NULL, NULL, 0, 0, 1 };
    ck_assert_uint_eq(mqtt_connect_encode(&c, big, sizeof big), 0);
}
END_TEST

START_TEST(encode_publish)
{
    uint8_t out[1024], want[64];
    struct {
        int version, qos;
        const char *topic;
        uint16_t id;
        const char *payload;
        const char *bytes;
    } cases[] = {
        { MQTT_V311, 1, "a/b", 10, "hi", "32 09 00 03 61 2f 62 00 0a 68 69" },
        { MQTT_V5, 0, "t", 0, "x", "30 05 00 01 74 00 78" },
        { MQTT_V5, 1, "t", 0x1234, "", "32 06 00 01 74 12 34 00" },
        { MQTT_V311, 1, "t", 0, "x", NULL },   /* QoS 1 needs a packet id */
        { MQTT_V311, 2, "t", 1, "x", NULL },   /* QoS 2 is not spoken */
        { MQTT_V311, 0, "a/#", 0, "x", NULL }, /* no wildcard in a topic name */
        { MQTT_V311, 0, "", 0, "x", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = mqtt_publish_encode(cases[i].version, cases[i].topic, cases[i].qos, cases[i].id,
                                       (const uint8_t *)cases[i].payload, strlen(cases[i].payload), out,
                                       sizeof out);
        if (!cases[i].bytes) {
            ck_assert_msg(n == 0, "case %zu encoded", i);
            continue;
        }
        size_t wn = hex(cases[i].bytes, want, sizeof want);
        ck_assert_msg(n == wn && memcmp(out, want, n) == 0, "case %zu", i);
    }
    /* the packet id patched in place */
    size_t n = mqtt_publish_encode(MQTT_V311, "a/b", 1, 10, (const uint8_t *)"hi", 2, out, sizeof out);
    mqtt_publish_set_id(out, n, 0xbeef);
    hex("32 09 00 03 61 2f 62 be ef 68 69", want, sizeof want);
    ck_assert(memcmp(out, want, n) == 0);
    /* a payload of 200 bytes takes a 2-byte remaining length */
    uint8_t payload[200] = { 0 };
    n = mqtt_publish_encode(MQTT_V311, "t", 0, 0, payload, sizeof payload, out, sizeof out);
    ck_assert_uint_eq(n, 1 + 2 + 3 + 200);
    ck_assert_uint_eq(out[1], 0x80 | (203 & 0x7f));
    ck_assert_uint_eq(out[2], 203 >> 7);

    ck_assert_uint_eq(mqtt_disconnect_encode(MQTT_V5, out, sizeof out), 2);
    ck_assert(out[0] == 0xe0 && out[1] == 0);
    ck_assert_uint_eq(mqtt_disconnect_encode(MQTT_V311, out, 1), 0);
    ck_assert_uint_eq(mqtt_pingreq_encode(out, sizeof out), 2);
    ck_assert(out[0] == 0xc0 && out[1] == 0);
}
END_TEST

/* Feeds in in pieces of piece bytes; writes "TYPE:len " per packet, or
 * "error: why" and stops. */
static void read_all(const uint8_t *in, size_t n, size_t piece, uint32_t max_len, char *log, size_t loglen)
{
    mqtt_reader r;
    mqtt_reader_init(&r, max_len);
    size_t o = 0;
    log[0] = '\0';
    for (size_t off = 0; off < n; off += piece) {
        size_t take = n - off < piece ? n - off : piece, used;
        const uint8_t *p = in + off;
        while (take) {
            mqtt_packet pkt;
            int rc = mqtt_reader_feed(&r, p, take, &used, &pkt);
            ck_assert(used <= take);
            if (rc < 0) {
                snprintf(log + o, loglen - o, "error: %s", r.error);
                return;
            }
            if (rc == 1) {
                ck_assert(pkt.held <= MQTT_HOLD && pkt.held <= pkt.len);
                o += (size_t)snprintf(log + o, loglen - o, "%s:%u ", mqtt_packet_name(pkt.type),
                                      (unsigned)pkt.len);
            } else {
                ck_assert_uint_eq(used, take);
            }
            p += used;
            take -= used;
        }
    }
}

START_TEST(reader)
{
    struct {
        const char *bytes;
        uint32_t max_len;
        const char *want;
    } cases[] = {
        { "20 02 00 00", 0, "CONNACK:2 " },
        { "20 02 00 05 40 02 00 07 d0 00", 0, "CONNACK:2 PUBACK:2 PINGRESP:0 " },
        { "20 03 00 00 00 20", 0, "CONNACK:3 " }, /* a packet begun, not yet complete */
        { "00 00", 0, "error: packet type 0 (reserved)" },
        { "20 80 00", 0, "error: remaining length not in its shortest form" },
        { "20 ff ff ff ff 01", 0, "error: remaining length longer than 4 bytes" },
        { "20 ff ff ff 7f", 1024, "error: packet longer than the limit" },
        { "20 02 00 00 30 81 08", 1024, "CONNACK:2 error: packet longer than the limit" },
        { "30 80 80 01", 0, "" }, /* 16384 bytes announced, none yet */
    };
    char log[256];
    uint8_t in[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = hex(cases[i].bytes, in, sizeof in);
        for (size_t piece = 1; piece <= n; piece++) {
            read_all(in, n, piece, cases[i].max_len, log, sizeof log);
            ck_assert_msg(strcmp(log, cases[i].want) == 0, "case %zu piece %zu: '%s'", i, piece, log);
        }
    }
    /* a packet longer than what is held: read to its end, its start kept */
    static uint8_t big[3 + 600 + 4];
    big[0] = 0x30;
    big[1] = 0x80 | (600 & 0x7f);
    big[2] = 600 >> 7;
    for (int k = 0; k < 600; k++)
        big[3 + k] = (uint8_t)k;
    memcpy(big + 603, "\x20\x02\x00\x00", 4);
    for (size_t piece = 1; piece <= sizeof big; piece += 37) {
        read_all(big, sizeof big, piece, 0, log, sizeof log);
        ck_assert_msg(strcmp(log, "PUBLISH:600 CONNACK:2 ") == 0, "piece %zu: '%s'", piece, log);
    }
    mqtt_reader r;
    mqtt_reader_init(&r, 0);
    mqtt_packet pkt;
    size_t used;
    ck_assert_int_eq(mqtt_reader_feed(&r, big, sizeof big, &used, &pkt), 1);
    ck_assert_uint_eq(used, 603);
    ck_assert_uint_eq(pkt.held, MQTT_HOLD);
    ck_assert_uint_eq(pkt.body[511], 511 & 0xff);
    /* a failed reader stays failed */
    mqtt_reader_init(&r, 0);
    ck_assert_int_eq(mqtt_reader_feed(&r, (const uint8_t *)"\0", 1, &used, &pkt), -1);
    ck_assert_int_eq(mqtt_reader_feed(&r, big + 603, 4, &used, &pkt), -1);
}
END_TEST

/* One packet from its bytes through the reader. */
static mqtt_packet packet_of(mqtt_reader *r, const char *bytes, uint8_t *buf, size_t cap)
{
    size_t n = hex(bytes, buf, cap), used;
    mqtt_packet pkt;
    mqtt_reader_init(r, 0);
    ck_assert_msg(mqtt_reader_feed(r, buf, n, &used, &pkt) == 1 && used == n, "'%s' is not one packet", bytes);
    return pkt;
}

START_TEST(connack)
{
    struct {
        int version;
        const char *bytes;
        int ok, session, code;
        const char *name_or_why;
        const char *reason;
    } cases[] = {
        { MQTT_V311, "20 02 00 00", 1, 0, 0, "accepted", "" },
        { MQTT_V311, "20 02 01 00", 1, 1, 0, "accepted", "" },
        { MQTT_V311, "20 02 00 01", 1, 0, 1, "unacceptable protocol version", "" },
        { MQTT_V311, "20 02 00 02", 1, 0, 2, "identifier rejected", "" },
        { MQTT_V311, "20 02 00 03", 1, 0, 3, "server unavailable", "" },
        { MQTT_V311, "20 02 00 04", 1, 0, 4, "bad user name or password", "" },
        { MQTT_V311, "20 02 00 05", 1, 0, 5, "not authorized", "" },
        { MQTT_V311, "20 02 00 06", 1, 0, 6, "unknown code", "" },
        { MQTT_V311, "20 02 01 05", 0, 0, 0, "refusing CONNACK with session present", "" },
        { MQTT_V311, "20 02 02 00", 0, 0, 0, "CONNACK with reserved acknowledge flags set", "" },
        { MQTT_V311, "21 02 00 00", 0, 0, 0, "CONNACK with reserved flags set", "" },
        { MQTT_V311, "20 03 00 00 00", 0, 0, 0, "CONNACK of the wrong length", "" },
        { MQTT_V311, "20 01 00", 0, 0, 0, "CONNACK of the wrong length", "" },
        { MQTT_V311, "40 02 00 01", 0, 0, 0, "not a CONNACK", "" },
        { MQTT_V5, "20 03 00 00 00", 1, 0, 0x00, "success", "" },
        { MQTT_V5, "20 03 00 87 00", 1, 0, 0x87, "not authorized", "" },
        { MQTT_V5, "20 03 00 86 00", 1, 0, 0x86, "bad user name or password", "" },
        { MQTT_V5, "20 03 00 8c 00", 1, 0, 0x8c, "bad authentication method", "" },
        { MQTT_V5, "20 03 00 8a 00", 1, 0, 0x8a, "banned", "" },
        { MQTT_V5, "20 03 00 9f 00", 1, 0, 0x9f, "connection rate exceeded", "" },
        { MQTT_V5, "20 03 00 84 00", 1, 0, 0x84, "unsupported protocol version", "" },
        /* a 3.1.1 broker's refusal of an MQTT 5 CONNECT */
        { MQTT_V5, "20 02 00 01", 1, 0, 0x01, "unacceptable protocol version", "" },
        /* Reason String; a User Property and a Receive Maximum before it */
        { MQTT_V5, "20 0a 00 87 07 1f 00 04 6e 6f 70 65", 1, 0, 0x87, "not authorized", "nope" },
        { MQTT_V5, "20 12 00 87 0f 26 00 01 6b 00 01 76 21 00 0a 1f 00 02 6e 0a", 1, 0, 0x87, "not authorized",
          "n?" },
        { MQTT_V5, "20 04 00 00 05 01", 0, 0, 0, "properties longer than the packet", "" },
        { MQTT_V5, "20 05 00 00 02 7f 00", 0, 0, 0, "unknown property", "" },
        { MQTT_V5, "20 06 00 00 03 1f 00 09", 0, 0, 0, "property overruns the packet", "" },
        { MQTT_V5, "20 06 00 00 03 26 00 00", 0, 0, 0, "property overruns the packet", "" },
        { MQTT_V5, "20 04 00 00 01 21", 0, 0, 0, "property overruns the packet", "" },
        { MQTT_V5, "20 03 00 00 80", 0, 0, 0, "malformed property length", "" },
    };
    uint8_t buf[64];
    mqtt_reader r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mqtt_packet pkt = packet_of(&r, cases[i].bytes, buf, sizeof buf);
        mqtt_connack ca;
        const char *why = NULL;
        int rc = mqtt_connack_decode(cases[i].version, &pkt, &ca, &why);
        if (!cases[i].ok) {
            ck_assert_msg(rc == -1 && why && strcmp(why, cases[i].name_or_why) == 0, "case %zu: %s", i,
                          why ? why : "decoded");
            continue;
        }
        ck_assert_msg(rc == 0, "case %zu: %s", i, why);
        ck_assert_int_eq(ca.session_present, cases[i].session);
        ck_assert_int_eq(ca.code, cases[i].code);
        ck_assert_str_eq(mqtt_connack_name(cases[i].version, ca.code), cases[i].name_or_why);
        ck_assert_str_eq(ca.reason, cases[i].reason);
    }
    /* names by version: 0x87 means nothing in 3.1.1, 5 nothing in MQTT 5 but a 3.1.1 answer */
    ck_assert_str_eq(mqtt_connack_name(MQTT_V311, 0x87), "unknown code");
    ck_assert_str_eq(mqtt_connack_name(MQTT_V5, 0x8b), "unknown code");
}
END_TEST

START_TEST(puback)
{
    struct {
        int version;
        const char *bytes;
        int ok, id, code;
        const char *name_or_why;
        int success;
    } cases[] = {
        { MQTT_V311, "40 02 00 07", 1, 7, 0, "success", 1 },
        { MQTT_V5, "40 02 12 34", 1, 0x1234, 0, "success", 1 },
        { MQTT_V5, "40 03 00 07 87", 1, 7, 0x87, "not authorized", 0 },
        { MQTT_V5, "40 03 00 07 10", 1, 7, 0x10, "no matching subscribers", 1 },
        { MQTT_V5, "40 03 00 07 97", 1, 7, 0x97, "quota exceeded", 0 },
        { MQTT_V5, "40 04 00 07 00 00", 1, 7, 0, "success", 1 },
        { MQTT_V5, "40 08 00 07 90 04 1f 00 01 78", 1, 7, 0x90, "topic name invalid", 0 },
        { MQTT_V5, "40 05 00 07 00 05 01", 0, 0, 0, "properties longer than the packet", 0 },
        { MQTT_V311, "40 03 00 07 00", 0, 0, 0, "PUBACK of the wrong length", 0 },
        { MQTT_V311, "40 02 00 00", 0, 0, 0, "PUBACK for packet id 0", 0 },
        { MQTT_V311, "42 02 00 01", 0, 0, 0, "PUBACK with reserved flags set", 0 },
        { MQTT_V311, "20 02 00 00", 0, 0, 0, "not a PUBACK", 0 },
    };
    uint8_t buf[64];
    mqtt_reader r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mqtt_packet pkt = packet_of(&r, cases[i].bytes, buf, sizeof buf);
        mqtt_puback pa;
        const char *why = NULL;
        int rc = mqtt_puback_decode(cases[i].version, &pkt, &pa, &why);
        if (!cases[i].ok) {
            ck_assert_msg(rc == -1 && why && strcmp(why, cases[i].name_or_why) == 0, "case %zu: %s", i,
                          why ? why : "decoded");
            continue;
        }
        ck_assert_msg(rc == 0, "case %zu: %s", i, why);
        ck_assert_int_eq(pa.packet_id, cases[i].id);
        ck_assert_int_eq(pa.code, cases[i].code);
        ck_assert_str_eq(mqtt_puback_name(pa.code), cases[i].name_or_why);
        ck_assert_int_eq(mqtt_puback_ok(pa.code), cases[i].success);
    }
}
END_TEST

/* What the encoders write, the reader reads back whole. */
START_TEST(round_trip)
{
    uint8_t out[1024];
    mqtt_connect c = { MQTT_V5, "device-0042", "device-0042", (const uint8_t *)"secret", 6, 60, 1 };
    size_t n = mqtt_connect_encode(&c, out, sizeof out);
    ck_assert_uint_gt(n, 0);
    size_t n2 = mqtt_publish_encode(MQTT_V5, "devices/42/telemetry", 1, 1, (const uint8_t *)"{}", 2, out + n,
                                    sizeof out - n);
    ck_assert_uint_gt(n2, 0);
    char log[128];
    read_all(out, n + n2, 3, 0, log, sizeof log);
    char want[128];
    snprintf(want, sizeof want, "CONNECT:%zu PUBLISH:%zu ", n - 2, n2 - 2);
    ck_assert_str_eq(log, want);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("mqtt");
    TCase *tc = tcase_create("mqtt");
    tcase_add_test(tc, encode_connect);
    tcase_add_test(tc, encode_publish);
    tcase_add_test(tc, reader);
    tcase_add_test(tc, connack);
    tcase_add_test(tc, puback);
    tcase_add_test(tc, round_trip);
    suite_add_tcase(s, tc);
    return s;
}
