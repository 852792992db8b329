/* Starting a thread through one seam: production code passes NULL and gets
 * pthread_create; a test passes a function that fails on a chosen call, so
 * the path where a thread cannot start (EAGAIN under RLIMIT_NPROC, memory)
 * is exercised without exhausting the machine. */
#ifndef MTLSPROBE_UTIL_THREAD_H
#define MTLSPROBE_UTIL_THREAD_H

#include <pthread.h>

/* Returns 0 or an errno value, as pthread_create does. */
typedef int (*mp_thread_start_fn)(pthread_t *t, void *(*fn)(void *), void *arg);

static inline int mp_thread_start(mp_thread_start_fn start, pthread_t *t, void *(*fn)(void *),
                                  void *arg)
{
    return start ? start(t, fn, arg) : pthread_create(t, NULL, fn, arg);
}

#endif
