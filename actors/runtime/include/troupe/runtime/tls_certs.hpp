// Throwaway certificates for `troupe local --tls` and tests: a CA and the
// certificates it signs, made with OpenSSL's C API (EC P-256 keys, SHA-256
// signatures, X.509 v3). Not a replacement for an operator's PKI.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "troupe/runtime/tls.hpp"

namespace troupe::runtime {

/// A certificate and its private key, both PEM.
struct pem_identity {
  std::string cert;
  std::string key;
};

/// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign).
pem_identity make_ca(const std::string& common_name,
                     std::chrono::hours validity = std::chrono::hours(24 * 365));

/// A certificate for `common_name` signed by `ca`, usable as TLS client and
/// server (the subjectAltName holds `common_name` and 127.0.0.1).
pem_identity issue_certificate(const pem_identity& ca, const std::string& common_name,
                               std::chrono::hours validity = std::chrono::hours(24 * 365));

/// Writes `<dir>/<name>.crt` and `<dir>/<name>.key` (mode 0600) and returns
/// them with `ca_file` as the trust anchor. Throws std::runtime_error.
tls_files write_identity(const std::string& dir, const std::string& name, const pem_identity& id,
                         const std::string& ca_file);

/// Writes `pem` to `path` (mode 0600). Throws std::runtime_error.
void write_pem_file(const std::string& path, const std::string& pem);

/// A fresh CA in `dir` (created if missing; `dir`/ca.crt, its key is not
/// kept) and a certificate for each of `names` (`dir`/NAME.crt, NAME.key).
/// Returns each name's files. Throws std::runtime_error.
std::map<std::string, tls_files> write_throwaway_pki(const std::string& dir,
                                                     const std::vector<std::string>& names);

} // namespace troupe::runtime
