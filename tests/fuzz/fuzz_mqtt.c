/* Fuzz target: a broker's MQTT packets, read by the incremental reader as
 * the load worker and the runner feed it. The first input byte picks the
 * protocol version and how the rest is cut into reads (the broker and the
 * network choose the boundaries); every complete packet is decoded as a
 * CONNACK and as a PUBACK. The reader must agree with itself whatever the
 * cut, hold no more than MQTT_HOLD bytes and stop at the length limit. */
#include <stdio.h>

#include "fuzz.h"
#include "proto/mqtt.h"

#define MAX_LEN 4096

/* Reads everything; a digest of what was read (packets, their types and
 * lengths, where it failed). */
static uint64_t read_all(int version, const uint8_t *d, size_t n, size_t piece)
{
    mqtt_reader r;
    mqtt_reader_init(&r, MAX_LEN);
    uint64_t digest = 1469598103934665603ULL;
    for (size_t off = 0; off < n; off += piece) {
        size_t take = n - off < piece ? n - off : piece, used;
        const uint8_t *p = d + off;
        while (take) {
            mqtt_packet pkt;
            int rc = mqtt_reader_feed(&r, p, take, &used, &pkt);
            if (used > take)
                abort();
            if (rc < 0)
                return digest ^ 0xdead;
            if (rc == 1) {
                if (pkt.held > MQTT_HOLD || pkt.held > pkt.len || pkt.len > MAX_LEN)
                    abort();
                digest = (digest ^ ((uint64_t)pkt.type << 32 | pkt.len)) * 1099511628211ULL;
                mqtt_connack ca;
                mqtt_puback pa;
                const char *why;
                if (mqtt_connack_decode(version, &pkt, &ca, &why) == 0) {
                    if (ca.reason[sizeof ca.reason - 1] != '\0' && ca.reason[0] != '\0')
                        abort();
                    for (const char *c = ca.reason; *c; c++)
                        if (*c < 0x20 || *c > 0x7e)
                            abort();
                    (void)mqtt_connack_name(version, ca.code);
                }
                if (mqtt_puback_decode(version, &pkt, &pa, &why) == 0)
                    (void)mqtt_puback_name(pa.code);
            } else if (used != take) {
                abort();
            }
            p += used;
            take -= used;
        }
    }
    return digest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int version = data[0] & 0x80 ? MQTT_V5 : MQTT_V311;
    size_t piece = (size_t)(data[0] & 0x7f) + 1;
    uint64_t whole = read_all(version, data + 1, size - 1, size);
    if (read_all(version, data + 1, size - 1, piece) != whole)
        abort(); /* the cut must not change what is read */
    return 0;
}
