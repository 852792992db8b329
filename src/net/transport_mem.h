/* A scripted, in-memory kind of net_transport for unit tests: the "peer" is
 * a list of steps (send these bytes, close, reset, stall), each released
 * once the client has written at least a given number of bytes, and every
 * byte the client writes is recorded. Only the test programs link it (see
 * transport_mem.c). */
#ifndef MP_NET_TRANSPORT_MEM_H
#define MP_NET_TRANSPORT_MEM_H

#include <stddef.h>

#include "net/transport.h"

typedef enum net_mem_op {
    NET_MEM_SEND,  /* the peer sends data[0..len) */
    NET_MEM_CLOSE, /* the peer closes cleanly (FIN): reads return 0 */
    NET_MEM_RESET, /* the peer resets: reads and writes fail with NET_XP_F_RESET */
    NET_MEM_STALL  /* the peer sends nothing more: reads would block, and a
                    * blocking read fails at once as if its deadline passed */
} net_mem_op;

typedef struct net_mem_step {
    net_mem_op op;
    const char *data;     /* NET_MEM_SEND: not copied, must outlive the script */
    size_t len;
    size_t after_written; /* released once the client wrote this many bytes */
} net_mem_step;

typedef struct net_mem_peer {
    const net_mem_step *steps; /* not copied */
    size_t n_steps;
    size_t read_max;      /* most bytes one read returns (0: no limit), to split input */
    size_t step, offset;  /* where the peer is in its script */
    int closed, reset, stalled;
    char *written;        /* what the client wrote (malloc'd, NUL-terminated) */
    size_t n_written;
    int closes;           /* close or close_keep calls */
    int close_rst;        /* ... the last one asked for an RST */
} net_mem_peer;

/* Binds t to the scripted peer p (which the caller owns and keeps until t
 * is closed). No allocation until the first write. */
void net_mem_transport(net_transport *t, net_mem_peer *p, const net_mem_step *steps, size_t n_steps);

/* Frees what p recorded. */
void net_mem_peer_free(net_mem_peer *p);

#endif
