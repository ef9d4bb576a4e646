#include "util/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace crema::util {

void create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  // The umask can only take bits away; 0600 is what is wanted, so set it exactly.
  ::fchmod(fd, 0600);
  ::close(fd);
}

}  // namespace crema::util
