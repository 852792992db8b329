/* The options that say what a non-HTTP target's protocol sends, one row
 * block shared by every verb that takes a --target (run today): --send and
 * --expect for tls://, --mqtt-version, --client-id, --username and
 * --password for mqtts://. Parsed into a proto_config (proto/proto.h); an
 * option of another scheme than the target's is a usage error. */
#ifndef MP_CMD_TARGET_H
#define MP_CMD_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "proto/proto.h"
#include "util/err.h"

/* The ids of the block's rows: above every verb's own. */
enum cmd_target_opt_id {
    CMD_TARGET_SEND = 1100, CMD_TARGET_EXPECT, CMD_TARGET_MQTT_VERSION, CMD_TARGET_CLIENT_ID,
    CMD_TARGET_USERNAME, CMD_TARGET_PASSWORD,
};

#define CMD_OPTS_TARGET                                                                                         \
    { NULL, 0, 0, NULL, "the target's protocol (tls:// and mqtts://; docs/run.md, Target schemes)", NULL, NULL, \
      0, 0 },                                                                                                   \
    { "send", CMD_TARGET_SEND, 0, "BYTES", "tls://: bytes to write after the handshake (C escapes: \\r \\n "   \
      "\\t \\\\ \\xHH)", NULL, NULL, 0, 0 },                                                                    \
    { "expect", CMD_TARGET_EXPECT, 0, "BYTES", "tls://: bytes the server must send back for a connection to "    \
      "count as served (same escapes); without it, served means still open 500 ms after the handshake",        \
      NULL, NULL, 0, 0 },                                                                                       \
    { "mqtt-version", CMD_TARGET_MQTT_VERSION, 0, NULL, "mqtts://: the CONNECT's protocol version",             \
      "3.1.1|5", "3.1.1", 0, 0 },                                                                               \
    { "client-id", CMD_TARGET_CLIENT_ID, 0, "ID", "mqtts://: the CONNECT's client identifier", NULL,           \
      "mtlsprobe-PID", 0, 0 },                                                                                  \
    { "username", CMD_TARGET_USERNAME, 0, "NAME", "mqtts://: the CONNECT's user name", NULL, NULL, 0, 0 },      \
    { "password", CMD_TARGET_PASSWORD, 0, "SRC", "mqtts://: the CONNECT's password: env:VAR, file:PATH, fd:N, " \
      "pass:TEXT (as openssl -passin); never printed or recorded", NULL, NULL, 0, 0 }

typedef struct cmd_target {
    const char *send, *expect, *mqtt_version, *client_id, *username, *password_src;
    uint8_t send_buf[4096], expect_buf[4096], password[1024];
    size_t send_len, expect_len, password_len;
} cmd_target;

/* Takes one of the block's options (id); 1 when it was one, 0 when not,
 * -1 with e on a bad value. */
int cmd_target_opt(cmd_target *t, int id, const char *val, mp_err *e);

/* Once the target's scheme is known: every option given belongs to it
 * (else -1 naming the option and the scheme), the password is read, and pc
 * is filled for the exchanges. */
int cmd_target_config(cmd_target *t, const char *verb, net_scheme scheme, proto_config *pc);

/* Forgets the password. */
void cmd_target_free(cmd_target *t);

#endif
