#ifndef MANDRILL_LIVE_CZLIB_SHIM_H
#define MANDRILL_LIVE_CZLIB_SHIM_H

#include <zlib.h>

/* deflateInit2 and inflateInit2 are macros (they pass zlib's version and sizeof(z_stream)); Swift cannot call
   macros, so these wrappers do. A negative window size selects raw DEFLATE, without the zlib header and
   checksum, which is what permessage-deflate (RFC 7692) carries. */
static inline int mandrill_deflate_init_raw(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY);
}

static inline int mandrill_inflate_init_raw(z_stream *stream, int window_bits) {
    return inflateInit2(stream, -window_bits);
}

#endif
