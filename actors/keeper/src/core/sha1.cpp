// SHA-1 through OpenSSL's EVP digest interface.
#include "troupe/keeper/sha1.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace troupe::keeper {

namespace {

// Only allocation can fail here (SHA-1 is always available in libcrypto).
void check(int ok, const char* what) {
  if (ok != 1)
    throw std::runtime_error(std::string{"sha1: "} + what + " failed");
}

} // namespace

void sha1::free_context::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

sha1::sha1() : ctx_(EVP_MD_CTX_new()) {
  check(ctx_ != nullptr, "EVP_MD_CTX_new");
  check(EVP_DigestInit_ex(ctx_.get(), EVP_sha1(), nullptr), "EVP_DigestInit_ex");
}

void sha1::update(std::string_view bytes) {
  check(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()), "EVP_DigestUpdate");
}

sha1_digest sha1::finish() {
  sha1_digest out{};
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(ctx_.get(), out.data(), &n), "EVP_DigestFinal_ex");
  return out;
}

sha1_digest sha1_of(std::string_view bytes) {
  sha1 h;
  h.update(bytes);
  return h.finish();
}

std::string to_hex(const sha1_digest& d) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

} // namespace troupe::keeper
