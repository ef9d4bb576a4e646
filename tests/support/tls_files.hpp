#pragma once
/// A throwaway self-signed certificate for 127.0.0.1/localhost, made with the openssl tool.

#include <string>

#include "support/scratch_dir.hpp"

namespace crema::test {

/// A PEM certificate and key in a private temp dir (removed with the object).
class TlsFiles {
 public:
  /// Runs `openssl req -x509` (EC P-256, valid 2 days, SAN IP:127.0.0.1 and DNS:localhost);
  /// throws std::runtime_error with openssl's output when it fails.
  TlsFiles();

  /// The certificate (also usable as the CA file, being self-signed).
  const std::string& cert() const noexcept { return cert_; }
  /// The private key.
  const std::string& key() const noexcept { return key_; }

 private:
  ScratchDir dir_;
  std::string cert_;
  std::string key_;
};

}  // namespace crema::test
