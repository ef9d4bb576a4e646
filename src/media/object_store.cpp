#include "media/object_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/uuid.hpp"

namespace crema::media {

namespace fs = std::filesystem;

bool valid_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 200 || key.front() == '.') return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

FileObjectStore::FileObjectStore(std::string root) : root_(std::move(root)) {}

std::string FileObjectStore::path_of(std::string_view key) const {
  if (!valid_key(key)) throw std::invalid_argument("not an object key");
  return root_ + "/" + std::string(key);
}

void FileObjectStore::put(std::string_view key, std::string_view bytes, std::string_view) {
  const std::string path = path_of(key);
  // Made on first use, so a server that never stores an image leaves no directory behind.
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) throw std::runtime_error("cannot create the media directory " + root_ + ": " + ec.message());
  const std::string tmp = path + ".tmp-" + util::new_uuid_v7();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot store " + path + ": " + std::strerror(err));
  }
}

std::optional<StoredObject> FileObjectStore::get(std::string_view key) {
  std::ifstream in(path_of(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  StoredObject out;
  out.bytes = std::move(buf).str();
  const auto dot = key.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view() : key.substr(dot + 1);
  out.content_type = ext == "jpg"    ? "image/jpeg"
                     : ext == "png"  ? "image/png"
                     : ext == "webp" ? "image/webp"
                                     : "application/octet-stream";
  return out;
}

void FileObjectStore::remove(std::string_view key) {
  std::error_code ec;
  fs::remove(path_of(key), ec);
}

}  // namespace crema::media
