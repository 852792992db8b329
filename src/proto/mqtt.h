/* MQTT 3.1.1 and 5, only the packets a probing client needs: CONNECT,
 * CONNACK, PUBLISH (QoS 0 and 1), PUBACK, PINGREQ/PINGRESP and DISCONNECT,
 * plus an incremental reader of the broker's packets.
 *
 * The codec is our own rather than a library (libmosquitto, Paho): those
 * come with a network loop, threads and allocations of their own, while
 * run and load drive their own non-blocking sockets and the load hot path
 * must allocate nothing; the six packets needed here are a few hundred
 * lines of byte layout. Pure functions over bytes: no sockets, no
 * allocation, nothing global. */
#ifndef MP_PROTO_MQTT_H
#define MP_PROTO_MQTT_H

#include <stddef.h>
#include <stdint.h>

/* The CONNECT's protocol level byte. */
#define MQTT_V311 4
#define MQTT_V5 5

enum {
    MQTT_CONNECT = 1, MQTT_CONNACK = 2, MQTT_PUBLISH = 3, MQTT_PUBACK = 4,
    MQTT_PINGREQ = 12, MQTT_PINGRESP = 13, MQTT_DISCONNECT = 14, MQTT_AUTH = 15
};

/* The largest remaining length the 4-byte variable integer can carry. */
#define MQTT_MAX_REMAINING 268435455u

/* What a CONNECT says. */
typedef struct mqtt_connect {
    int version;               /* MQTT_V311 or MQTT_V5 */
    const char *client_id;     /* "" lets the broker assign one (3.1.1: needs clean) */
    const char *username;      /* NULL: none */
    const uint8_t *password;   /* NULL: none; 3.1.1 allows one only with a user name */
    size_t password_len;
    uint16_t keepalive_s;
    int clean;                 /* 3.1.1 clean session, 5 clean start */
} mqtt_connect;

/* Each encoder writes one packet into out and returns its length; 0 when
 * cap is too small or the packet cannot be encoded (a string longer than
 * 65535 bytes, a 3.1.1 password without a user name, QoS other than 0 or
 * 1, packet id 0 with QoS 1, a topic with a wildcard or a NUL). */
size_t mqtt_connect_encode(const mqtt_connect *c, uint8_t *out, size_t cap);
size_t mqtt_publish_encode(int version, const char *topic, int qos, uint16_t packet_id, const uint8_t *payload,
                           size_t payload_len, uint8_t *out, size_t cap);
/* A QoS 1 PUBLISH made by mqtt_publish_encode gets packet id id in place. */
void mqtt_publish_set_id(uint8_t *pkt, size_t len, uint16_t id);
/* DISCONNECT, normal disconnection (MQTT 5: reason 0x00). */
size_t mqtt_disconnect_encode(int version, uint8_t *out, size_t cap);
size_t mqtt_pingreq_encode(uint8_t *out, size_t cap);

/* One packet from the broker. body holds its first held bytes: a packet
 * longer than MQTT_HOLD is read to its end, but only its start is kept,
 * which is all a CONNACK or PUBACK needs. */
#define MQTT_HOLD 512
typedef struct mqtt_packet {
    int type;                  /* MQTT_CONNACK... */
    int flags;                 /* the fixed header's low nibble */
    uint32_t len;              /* remaining length, as announced */
    const uint8_t *body;       /* valid until the reader's next feed */
    size_t held;               /* min(len, MQTT_HOLD) */
} mqtt_packet;

/* Reads packets from bytes that arrive in pieces of any size. */
typedef struct mqtt_reader {
    uint32_t max_len;          /* a packet announcing more is malformed */
    int state;                 /* internal */
    int hdr;
    uint32_t len;
    int len_bytes;
    uint32_t got;
    const char *error;         /* why the stream is malformed, after a -1 */
    uint8_t body[MQTT_HOLD];
} mqtt_reader;

/* max_len 0: MQTT_MAX_REMAINING. */
void mqtt_reader_init(mqtt_reader *r, uint32_t max_len);
/* Consumes bytes of p up to the end of the next packet and sets *used to
 * how many. Returns 1 when a packet is complete (in *pkt; feed the rest of
 * p again for the next one), 0 when all n bytes went into a packet not yet
 * complete, -1 when the stream is malformed (r->error: packet type 0, a
 * remaining length longer than 4 bytes or not in its shortest form, a
 * packet over max_len); the reader stays failed. */
int mqtt_reader_feed(mqtt_reader *r, const uint8_t *p, size_t n, size_t *used, mqtt_packet *pkt);

typedef struct mqtt_connack {
    int session_present;
    int code;                  /* 3.1.1 return code, or MQTT 5 reason code */
    char reason[128];          /* MQTT 5 Reason String, printable ASCII ('?' for the rest); "" */
} mqtt_connack;

/* Decodes a CONNACK for a CONNECT of this version. 0, or -1 with *why
 * (not a CONNACK, reserved flags set, a body too short, properties that
 * overrun the packet). An MQTT 5 client may get a 3.1.1 CONNACK (two bytes)
 * from a broker that refuses the version: it is accepted as such. */
int mqtt_connack_decode(int version, const mqtt_packet *p, mqtt_connack *out, const char **why);
/* "not authorized" (3.1.1 code 5, MQTT 5 0x87), "bad user name or password",
 * "accepted"; "unknown code" for codes neither version defines. */
const char *mqtt_connack_name(int version, int code);

typedef struct mqtt_puback {
    uint16_t packet_id;
    int code;                  /* MQTT 5 reason code; 0 in 3.1.1 */
} mqtt_puback;

int mqtt_puback_decode(int version, const mqtt_packet *p, mqtt_puback *out, const char **why);
/* "success", "no matching subscribers", "not authorized", ... */
const char *mqtt_puback_name(int code);
/* A PUBACK reason below 0x80 is a success (0x10: nobody subscribed). */
int mqtt_puback_ok(int code);

/* "CONNACK", "PUBACK", ...; "reserved" for 0. */
const char *mqtt_packet_name(int type);

#endif
