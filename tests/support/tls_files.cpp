#include "support/tls_files.hpp"

#include <stdexcept>

#include "support/child_process.hpp"

namespace crema::test {

TlsFiles::TlsFiles()
    : dir_("crema-tls-"), cert_(dir_.file("cert.pem")), key_(dir_.file("key.pem")) {
  std::string openssl = find_program("openssl");
  if (openssl.empty()) throw std::runtime_error("the openssl command is not installed");
  auto r = run_process(
      {openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
       "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key_, "-out", cert_},
      clean_environment());
  if (r.exit_code != 0) {
    throw std::runtime_error("openssl req failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
}

}  // namespace crema::test
