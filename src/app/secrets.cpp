#include "app/secrets.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace crema::app {

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

// Reads DIR/name, or creates it with a fresh value (readable by the owner only).
std::string load_or_create(const std::filesystem::path& dir, const char* name) {
  const auto path = dir / name;
  if (std::ifstream in(path); in) {
    std::string value;
    std::getline(in, value);
    if (value.size() == 64 && value.find_first_not_of("0123456789abcdef") == std::string::npos)
      return value;
    throw std::runtime_error(path.string() + " is not a 64-digit hexadecimal secret");
  }
  const std::string value = random_hex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    // Another instance may have just created it.
    if (errno == EEXIST) return load_or_create(dir, name);
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  const std::string line = value + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
  return value;
}

}  // namespace

void ensure_development_secrets(Config& config) {
  if (!config.jwt_secret.empty() && !config.data_key_hex.empty()) return;
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::filesystem::path dir(config.data_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("CREMA_DATA_DIR " + config.data_dir +
                             " cannot be created: " + ec.message());
  if (config.jwt_secret.empty()) config.jwt_secret = load_or_create(dir, "jwt_secret");
  if (config.data_key_hex.empty()) config.data_key_hex = load_or_create(dir, "data_key");
}

}  // namespace crema::app
