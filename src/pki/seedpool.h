/* Seed material for a thread that instantiates many random generators (a
 * load worker: wolfSSL makes one for every peer certificate object it
 * builds). While a pool is active on a thread, every wolfCrypt generator
 * instantiated on it takes its seed from one Hash_DRBG of the thread's,
 * itself seeded by the system, instead of asking the kernel each time (a
 * getrandom system call per handshake). Generators on other threads, and
 * `fixtures --seed` material, are unaffected. Implemented in pki/key.c,
 * which owns wolfCrypt's one seed callback. */
#ifndef MP_PKI_SEEDPOOL_H
#define MP_PKI_SEEDPOOL_H

#include "util/err.h"

int pki_seed_pool_start(mp_err *e);
void pki_seed_pool_stop(void);

#endif
