#pragma once
/// Files that hold the shop's data (the SQLite database, backups) are created readable by
/// their owner only (0600), whatever the process umask: customers' details and password
/// hashes are not for other accounts on the machine.

#include <string>

namespace crema::util {

/// Creates `path` empty with mode 0600 when it does not exist (an existing file is left as
/// it is). Throws std::runtime_error when it cannot be created.
void create_private_file(const std::string& path);

}  // namespace crema::util
