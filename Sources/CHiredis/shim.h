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

#endif
