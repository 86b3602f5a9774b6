// SHA-1 (FIPS 180-4), only because ZooKeeper's "digest" ACL scheme is defined
// as base64(sha1("user:password")). Not for anything security-critical.
// OpenSSL computes it; this header keeps OpenSSL out of its users' includes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX

namespace troupe::keeper {

using sha1_digest = std::array<uint8_t, 20>;

// Incremental hasher: update() any number of times, then finish() once.
class sha1 {
public:
  sha1();
  void update(std::string_view bytes);
  sha1_digest finish();

private:
  struct free_context {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, free_context> ctx_;
};

sha1_digest sha1_of(std::string_view bytes);

// Lower-case hex of a digest (for tests and logs).
std::string to_hex(const sha1_digest& d);

} // namespace troupe::keeper
