#ifndef MANDRILL_LIVE_CHIREDIS_SHIM_H
#define MANDRILL_LIVE_CHIREDIS_SHIM_H

/* libc first: event2/event-config.h defines _GNU_SOURCE, and if it came before these the module's
   fd_set would differ from SwiftGlibc's ("__fds_bits ... not present in definition of fd_set"). */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>

#include <event2/event.h>
#include <event2/thread.h>

/* Swift cannot call the variadic redisAsyncCommand; we use redisAsyncCommandArgv.
   redisLibeventAttach is a static function in this header; Swift imports and emits it. */
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include <pthread.h>

/* The bridge is written against hiredis 0.14 (Debian 12's libhiredis-dev) and relies on what that version does:
   RESP2 replies only (no PUSH, MAP, DOUBLE or BOOL types), no async connect timeout (RedisConnection arms its
   own timer), the reply callback of SUBSCRIBE kept for the whole subscription, PING on a subscribed connection
   never answered (heartbeats go through PUBLISH), and the caller owning `redisAsyncContext.data`. hiredis 1.x
   changes several of these; supporting it needs those paths reviewed, so a 1.x header stops the build here. */
#if !defined(HIREDIS_MAJOR) || HIREDIS_MAJOR != 0
#error "mandrill-live needs hiredis 0.14 (libhiredis-dev on Debian 12); hiredis 1.x changes behaviour the Redis bridge relies on"
#endif

/* A `struct timeval` of `microseconds` (for event_add and the blocking connect timeout), built here rather than in
   Swift: glibc's timeval is declared by several Clang modules (Glibc, CoreFoundation), and which one a Swift file
   must import to use its initializer then depends on the build configuration. */
static inline struct timeval chiredis_timeval(long long microseconds) {
    struct timeval value;
    value.tv_sec = (time_t)(microseconds / 1000000);
    value.tv_usec = (suseconds_t)(microseconds % 1000000);
    return value;
}

/* Names the calling thread (at most 15 bytes; longer names are cut). pthread_setname_np is a GNU extension that
   SwiftGlibc does not export; event-config.h above defined _GNU_SOURCE, so it is declared here. */
static inline void chiredis_name_current_thread(const char *name) {
    char truncated[16];
    size_t length = 0;
    while (length < 15 && name[length] != '\0') {
        truncated[length] = name[length];
        length++;
    }
    truncated[length] = '\0';
    pthread_setname_np(pthread_self(), truncated);
}

#endif
