/* MQTT packets (proto/mqtt.h). Encoders build the packet body after a
 * reserved 5-byte slot for the fixed header, then slide it down once its
 * remaining length is known: one pass, no second buffer. */
#include "proto/mqtt.h"

#include <string.h>

#define HDR_MAX 5 /* type byte + at most 4 bytes of remaining length */

/* Writes v as a variable byte integer; the bytes written (1..4). */
static int varint_put(uint32_t v, uint8_t *out)
{
    int n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n++] = (uint8_t)(v ? b | 0x80 : b);
    } while (v && n < 4);
    return n;
}

/* Reads a variable byte integer at p[*off] (bounded by n); -1 when it
 * runs past n or past 4 bytes. */
static int varint_get(const uint8_t *p, size_t n, size_t *off, uint32_t *v)
{
    uint32_t val = 0;
    for (int i = 0; i < 4; i++) {
        if (*off >= n)
            return -1;
        uint8_t b = p[(*off)++];
        val |= (uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = val;
            return 0;
        }
    }
    return -1;
}

/* A growing packet body inside the caller's buffer. */
typedef struct wbuf {
    uint8_t *p;
    size_t cap, len;
    int bad;
} wbuf;

static void put(wbuf *b, const void *d, size_t n)
{
    if (b->bad || b->cap - b->len < n) {
        b->bad = 1;
        return;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put_u8(wbuf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}

static void put_u16(wbuf *b, unsigned v)
{
    uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(b, x, 2);
}

/* A UTF-8 string or binary data: two bytes of length, then the bytes. */
static void put_lstr(wbuf *b, const void *d, size_t n)
{
    if (n > 65535) {
        b->bad = 1;
        return;
    }
    put_u16(b, (unsigned)n);
    put(b, d, n);
}

static void begin(wbuf *b, uint8_t *out, size_t cap)
{
    b->p = out;
    b->cap = cap;
    b->len = HDR_MAX;
    b->bad = cap < HDR_MAX;
}

/* Writes the fixed header before the body and moves the body up to it. */
static size_t finish(wbuf *b, unsigned type_flags)
{
    if (b->bad)
        return 0;
    size_t body = b->len - HDR_MAX;
    if (body > MQTT_MAX_REMAINING)
        return 0;
    uint8_t hdr[HDR_MAX];
    hdr[0] = (uint8_t)type_flags;
    int n = 1 + varint_put((uint32_t)body, hdr + 1);
    memmove(b->p + n, b->p + HDR_MAX, body);
    memcpy(b->p, hdr, (size_t)n);
    return (size_t)n + body;
}

size_t mqtt_connect_encode(const mqtt_connect *c, uint8_t *out, size_t cap)
{
    if (c->version != MQTT_V311 && c->version != MQTT_V5)
        return 0;
    if (c->password && !c->username && c->version == MQTT_V311)
        return 0;
    const char *id = c->client_id ? c->client_id : "";
    wbuf b;
    begin(&b, out, cap);
    put_lstr(&b, "MQTT", 4);
    put_u8(&b, (unsigned)c->version);
    unsigned flags = (c->username ? 0x80u : 0) | (c->password ? 0x40u : 0) | (c->clean ? 0x02u : 0);
    put_u8(&b, flags);
    put_u16(&b, c->keepalive_s);
    if (c->version == MQTT_V5)
        put_u8(&b, 0); /* no properties */
    put_lstr(&b, id, strlen(id));
    if (c->username)
        put_lstr(&b, c->username, strlen(c->username));
    if (c->password)
        put_lstr(&b, c->password, c->password_len);
    return finish(&b, MQTT_CONNECT << 4);
}

size_t mqtt_publish_encode(int version, const char *topic, int qos, uint16_t packet_id, const uint8_t *payload,
                           size_t payload_len, uint8_t *out, size_t cap)
{
    size_t tl = strlen(topic);
    if ((version != MQTT_V311 && version != MQTT_V5) || (qos != 0 && qos != 1) || (qos == 1 && packet_id == 0) ||
        tl == 0 || strpbrk(topic, "#+"))
        return 0;
    wbuf b;
    begin(&b, out, cap);
    put_lstr(&b, topic, tl);
    if (qos)
        put_u16(&b, packet_id);
    if (version == MQTT_V5)
        put_u8(&b, 0); /* no properties */
    put(&b, payload, payload_len);
    return finish(&b, (MQTT_PUBLISH << 4) | (unsigned)(qos << 1));
}

void mqtt_publish_set_id(uint8_t *pkt, size_t len, uint16_t id)
{
    size_t off = 1;
    uint32_t rem;
    if (len < 2 || varint_get(pkt, len, &off, &rem) != 0 || len - off < 2)
        return;
    size_t tl = (size_t)pkt[off] << 8 | pkt[off + 1];
    off += 2 + tl;
    if (len < off + 2 || ((pkt[0] >> 1) & 3) == 0)
        return;
    pkt[off] = (uint8_t)(id >> 8);
    pkt[off + 1] = (uint8_t)id;
}

size_t mqtt_disconnect_encode(int version, uint8_t *out, size_t cap)
{
    /* MQTT 5 lets a remaining length of 0 stand for reason 0x00 without
     * properties, so both versions send the same two bytes. */
    if ((version != MQTT_V311 && version != MQTT_V5) || cap < 2)
        return 0;
    out[0] = MQTT_DISCONNECT << 4;
    out[1] = 0;
    return 2;
}

size_t mqtt_pingreq_encode(uint8_t *out, size_t cap)
{
    if (cap < 2)
        return 0;
    out[0] = MQTT_PINGREQ << 4;
    out[1] = 0;
    return 2;
}

/* ---- reading ---- */

enum { R_TYPE, R_LEN, R_BODY, R_FAILED };

void mqtt_reader_init(mqtt_reader *r, uint32_t max_len)
{
    r->max_len = max_len ? max_len : MQTT_MAX_REMAINING;
    r->state = R_TYPE;
    r->hdr = 0;
    r->len = 0;
    r->len_bytes = 0;
    r->got = 0;
    r->error = NULL;
}

static int fail(mqtt_reader *r, const char *why)
{
    r->state = R_FAILED;
    r->error = why;
    return -1;
}

static int complete(mqtt_reader *r, mqtt_packet *pkt)
{
    pkt->type = r->hdr >> 4;
    pkt->flags = r->hdr & 0x0f;
    pkt->len = r->len;
    pkt->body = r->body;
    pkt->held = r->len < MQTT_HOLD ? r->len : MQTT_HOLD;
    r->state = R_TYPE;
    return 1;
}

int mqtt_reader_feed(mqtt_reader *r, const uint8_t *p, size_t n, size_t *used, mqtt_packet *pkt)
{
    size_t i = 0;
    *used = 0;
    if (r->state == R_FAILED)
        return -1;
    while (i < n) {
        switch (r->state) {
        case R_TYPE:
            r->hdr = p[i++];
            if ((r->hdr >> 4) == 0) {
                *used = i;
                return fail(r, "packet type 0 (reserved)");
            }
            r->len = 0;
            r->len_bytes = 0;
            r->got = 0;
            r->state = R_LEN;
            break;
        case R_LEN: {
            uint8_t b = p[i++];
            if (r->len_bytes == 4) {
                *used = i;
                return fail(r, "remaining length longer than 4 bytes");
            }
            if (r->len_bytes > 0 && b == 0) {
                *used = i;
                return fail(r, "remaining length not in its shortest form");
            }
            r->len |= (uint32_t)(b & 0x7f) << (7 * r->len_bytes++);
            if (b & 0x80)
                break;
            if (r->len > r->max_len) {
                *used = i;
                return fail(r, "packet longer than the limit");
            }
            if (r->len == 0) {
                *used = i;
                return complete(r, pkt);
            }
            r->state = R_BODY;
            break;
        }
        case R_BODY: {
            size_t want = r->len - r->got, take = n - i < want ? n - i : want;
            if (r->got < MQTT_HOLD) {
                size_t keep = MQTT_HOLD - r->got < take ? MQTT_HOLD - r->got : take;
                memcpy(r->body + r->got, p + i, keep);
            }
            r->got += (uint32_t)take;
            i += take;
            if (r->got == r->len) {
                *used = i;
                return complete(r, pkt);
            }
            break;
        }
        default:
            return -1;
        }
    }
    *used = i;
    return 0;
}

/* ---- decoding ---- */

/* MQTT 5 property types, by identifier (section 2.2.2.2). */
enum { P_NONE, P_BYTE, P_U16, P_U32, P_VARINT, P_STR, P_BIN, P_PAIR };

static int prop_type(uint32_t id)
{
    switch (id) {
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a: return P_BYTE;
    case 0x13: case 0x21: case 0x22: case 0x23: return P_U16;
    case 0x02: case 0x11: case 0x18: case 0x27: return P_U32;
    case 0x0b: return P_VARINT;
    case 0x03: case 0x08: case 0x12: case 0x15: case 0x1a: case 0x1c: case 0x1f: return P_STR;
    case 0x09: case 0x16: return P_BIN;
    case 0x26: return P_PAIR;
    default: return P_NONE;
    }
}

#define PROP_REASON_STRING 0x1f

/* Walks the properties at body[*off] (a length, then the properties),
 * copying a Reason String into reason. Only the held bytes can be checked:
 * properties running past them in a longer packet are left unread. -1 for
 * properties that overrun the packet or an unknown identifier. */
static int read_props(const mqtt_packet *p, size_t *off, char *reason, size_t reason_len, const char **why)
{
    uint32_t plen;
    if (varint_get(p->body, p->held, off, &plen) != 0) {
        *why = "malformed property length";
        return -1;
    }
    if (plen > p->len - *off) {
        *why = "properties longer than the packet";
        return -1;
    }
    size_t end = *off + plen, stop = end < p->held ? end : p->held;
    while (*off < stop) {
        uint32_t id;
        size_t n;
        if (varint_get(p->body, stop, off, &id) != 0)
            return end > p->held ? 0 : (*why = "malformed property", -1);
        switch (prop_type(id)) {
        case P_BYTE: n = 1; break;
        case P_U16: n = 2; break;
        case P_U32: n = 4; break;
        case P_VARINT: {
            uint32_t v;
            if (varint_get(p->body, stop, off, &v) != 0)
                return end > p->held ? 0 : (*why = "malformed property", -1);
            n = 0;
            break;
        }
        case P_STR: case P_BIN: case P_PAIR: {
            if (stop - *off < 2)
                return end > p->held ? 0 : (*why = "property overruns the packet", -1);
            n = (size_t)p->body[*off] << 8 | p->body[*off + 1];
            *off += 2;
            if (id == PROP_REASON_STRING && reason_len) {
                size_t k = 0;
                for (; k < n && k + 1 < reason_len && *off + k < stop; k++) {
                    uint8_t c = p->body[*off + k];
                    reason[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
                }
                reason[k] = '\0';
            }
            if (prop_type(id) == P_PAIR) { /* a second string follows the first */
                if (stop - *off < n + 2)
                    return end > p->held ? 0 : (*why = "property overruns the packet", -1);
                *off += n;
                n = (size_t)p->body[*off] << 8 | p->body[*off + 1];
                *off += 2;
            }
            break;
        }
        default:
            *why = "unknown property";
            return -1;
        }
        if (stop - *off < n)
            return end > p->held ? 0 : (*why = "property overruns the packet", -1);
        *off += n;
    }
    return 0;
}

/* What CONNACK and PUBACK share: the type, no flags, and two bytes (MQTT 5
 * may add a reason code and properties). texts: "not a X", "X with reserved
 * flags set", "X of the wrong length". */
static int ack_header(int version, const mqtt_packet *p, int type, const char *const texts[3], const char **why)
{
    if (p->type != type)
        *why = texts[0];
    else if (p->flags != 0)
        *why = texts[1];
    else if (p->len < 2 || (version == MQTT_V311 && p->len != 2))
        *why = texts[2];
    else
        return 0;
    return -1;
}

int mqtt_connack_decode(int version, const mqtt_packet *p, mqtt_connack *out, const char **why)
{
    memset(out, 0, sizeof *out);
    static const char *const texts[3] = { "not a CONNACK", "CONNACK with reserved flags set",
                                          "CONNACK of the wrong length" };
    if (ack_header(version, p, MQTT_CONNACK, texts, why) != 0)
        return -1;
    if (p->body[0] & 0xfe) {
        *why = "CONNACK with reserved acknowledge flags set";
        return -1;
    }
    out->session_present = p->body[0] & 1;
    out->code = p->body[1];
    if (out->code != 0 && out->session_present) {
        *why = "refusing CONNACK with session present";
        return -1;
    }
    if (version == MQTT_V5 && p->len > 2) {
        size_t off = 2;
        if (read_props(p, &off, out->reason, sizeof out->reason, why) != 0)
            return -1;
    }
    return 0;
}

typedef struct code_name {
    int code;
    const char *name;
} code_name;

static const char *lookup(const code_name *t, size_t n, int code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}

/* MQTT 3.1.1 section 3.2.2.3 */
static const code_name v311_connack[] = {
    { 0, "accepted" }, { 1, "unacceptable protocol version" }, { 2, "identifier rejected" },
    { 3, "server unavailable" }, { 4, "bad user name or password" }, { 5, "not authorized" },
};

/* MQTT 5 section 3.2.2.2 */
static const code_name v5_connack[] = {
    { 0x00, "success" }, { 0x80, "unspecified error" }, { 0x81, "malformed packet" },
    { 0x82, "protocol error" }, { 0x83, "implementation specific error" },
    { 0x84, "unsupported protocol version" }, { 0x85, "client identifier not valid" },
    { 0x86, "bad user name or password" }, { 0x87, "not authorized" }, { 0x88, "server unavailable" },
    { 0x89, "server busy" }, { 0x8a, "banned" }, { 0x8c, "bad authentication method" },
    { 0x90, "topic name invalid" }, { 0x95, "packet too large" }, { 0x97, "quota exceeded" },
    { 0x99, "payload format invalid" }, { 0x9a, "retain not supported" }, { 0x9b, "QoS not supported" },
    { 0x9c, "use another server" }, { 0x9d, "server moved" }, { 0x9f, "connection rate exceeded" },
};

/* MQTT 5 section 3.4.2.1 */
static const code_name v5_puback[] = {
    { 0x00, "success" }, { 0x10, "no matching subscribers" }, { 0x80, "unspecified error" },
    { 0x83, "implementation specific error" }, { 0x87, "not authorized" }, { 0x90, "topic name invalid" },
    { 0x91, "packet identifier in use" }, { 0x97, "quota exceeded" }, { 0x99, "payload format invalid" },
};

#define N_OF(a) (sizeof (a) / sizeof (a)[0])

const char *mqtt_connack_name(int version, int code)
{
    const char *n = version == MQTT_V5 ? lookup(v5_connack, N_OF(v5_connack), code) : NULL;
    if (!n) /* a 3.1.1 CONNACK, also the answer to an MQTT 5 CONNECT a 3.1.1 broker refuses */
        n = lookup(v311_connack, N_OF(v311_connack), code);
    return n ? n : "unknown code";
}

int mqtt_puback_decode(int version, const mqtt_packet *p, mqtt_puback *out, const char **why)
{
    memset(out, 0, sizeof *out);
    static const char *const texts[3] = { "not a PUBACK", "PUBACK with reserved flags set",
                                          "PUBACK of the wrong length" };
    if (ack_header(version, p, MQTT_PUBACK, texts, why) != 0)
        return -1;
    out->packet_id = (uint16_t)(p->body[0] << 8 | p->body[1]);
    if (out->packet_id == 0) {
        *why = "PUBACK for packet id 0";
        return -1;
    }
    if (version == MQTT_V5 && p->len > 2) {
        out->code = p->body[2];
        if (p->len > 3) {
            size_t off = 3;
            char none[1];
            if (read_props(p, &off, none, 0, why) != 0)
                return -1;
        }
    }
    return 0;
}

const char *mqtt_puback_name(int code)
{
    const char *n = lookup(v5_puback, N_OF(v5_puback), code);
    return n ? n : "unknown code";
}

int mqtt_puback_ok(int code)
{
    return code >= 0 && code < 0x80;
}

const char *mqtt_packet_name(int type)
{
    static const char *const n[16] = {
        "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
        "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
    };
    return type >= 0 && type < 16 ? n[type] : "reserved";
}
