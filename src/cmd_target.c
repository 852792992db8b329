/* The target-protocol options (cmd_target.h). */
#define _DEFAULT_SOURCE
#include "cmd_target.h"

#include <string.h>

#include "cmd.h"
#include "util/str.h"

int cmd_target_opt(cmd_target *t, int id, const char *val, mp_err *e)
{
    switch (id) {
    case CMD_TARGET_SEND:
        if (proto_unescape(val, t->send_buf, sizeof t->send_buf, &t->send_len) != 0)
            return mp_fail(e, "--send: a bad escape (\\r \\n \\t \\0 \\\\ \\xHH) or more than %zu bytes",
                           sizeof t->send_buf);
        t->send = val;
        return 1;
    case CMD_TARGET_EXPECT:
        if (proto_unescape(val, t->expect_buf, sizeof t->expect_buf, &t->expect_len) != 0 || !t->expect_len)
            return mp_fail(e, "--expect: give at least one byte (escapes \\r \\n \\t \\0 \\\\ \\xHH), at most %zu",
                           sizeof t->expect_buf);
        t->expect = val;
        return 1;
    case CMD_TARGET_MQTT_VERSION: t->mqtt_version = val; return 1;
    case CMD_TARGET_CLIENT_ID:
        if (strlen(val) > 256)
            return mp_fail(e, "--client-id: at most 256 bytes");
        t->client_id = val;
        return 1;
    case CMD_TARGET_USERNAME:
        if (strlen(val) > 256)
            return mp_fail(e, "--username: at most 256 bytes");
        t->username = val;
        return 1;
    case CMD_TARGET_PASSWORD: t->password_src = val; return 1;
    }
    return 0;
}

int cmd_target_config(cmd_target *t, const char *verb, net_scheme scheme, proto_config *pc)
{
    const struct {
        const char *name;
        const void *given;
        net_scheme scheme;
    } owned[] = {
        { "--send", t->send, NET_SCHEME_TLS },           { "--expect", t->expect, NET_SCHEME_TLS },
        { "--mqtt-version", t->mqtt_version, NET_SCHEME_MQTTS }, { "--client-id", t->client_id, NET_SCHEME_MQTTS },
        { "--username", t->username, NET_SCHEME_MQTTS }, { "--password", t->password_src, NET_SCHEME_MQTTS },
    };
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        if (owned[i].given && owned[i].scheme != scheme) {
            cmd_error(verb, "%s is for %s:// targets, and the target is %s://", owned[i].name,
                      net_scheme_name(owned[i].scheme), net_scheme_name(scheme));
            return -1;
        }
    }
    if (t->password_src && !t->username) {
        cmd_error(verb, "--password goes with --username (MQTT 3.1.1 sends no password without a user name)");
        return -1;
    }
    memset(pc, 0, sizeof *pc);
    if (t->send) {
        pc->send = t->send_buf;
        pc->send_len = t->send_len;
    }
    if (t->expect) {
        pc->expect = t->expect_buf;
        pc->expect_len = t->expect_len;
    }
    pc->mqtt_version = t->mqtt_version && strcmp(t->mqtt_version, "5") == 0 ? 5 : 4;
    pc->client_id = t->client_id;
    pc->username = t->username;
    if (t->password_src) {
        char pass[sizeof t->password + 1];
        if (cmd_read_pass(verb, t->password_src, pass, sizeof pass) != 0)
            return -1;
        t->password_len = strlen(pass);
        if (t->password_len > sizeof t->password)
            t->password_len = sizeof t->password;
        memcpy(t->password, pass, t->password_len);
        explicit_bzero(pass, sizeof pass);
        pc->password = t->password;
        pc->password_len = t->password_len;
    }
    return 0;
}

void cmd_target_free(cmd_target *t)
{
    explicit_bzero(t->password, sizeof t->password);
}
