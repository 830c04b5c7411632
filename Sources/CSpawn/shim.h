#ifndef MANDRILL_LIVE_CSPAWN_SHIM_H
#define MANDRILL_LIVE_CSPAWN_SHIM_H

#include <spawn.h>

/* glibc 2.34+ has this GNU extension, but SwiftGlibc is built without _GNU_SOURCE and does not declare it
   (nor its siblings such as posix_spawn_file_actions_addchdir_np); this repeats the declaration from spawn.h. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

#endif
