// A small, portable SHA-1: 64-byte blocks, 80 rounds, big-endian length.
#include "troupe/keeper/sha1.hpp"

namespace troupe::keeper {

namespace {

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

} // namespace

sha1::sha1() : h_{0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u} {}

void sha1::block(const uint8_t* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i)
    w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16)
           | (uint32_t{p[4 * i + 2]} << 8) | uint32_t{p[4 * i + 3]};
  for (int i = 16; i < 80; ++i)
    w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999u;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6u;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

void sha1::update(std::string_view bytes) {
  total_bytes_ += bytes.size();
  for (char ch : bytes) {
    buffer_[buffered_++] = static_cast<uint8_t>(ch);
    if (buffered_ == 64) {
      block(buffer_.data());
      buffered_ = 0;
    }
  }
}

sha1_digest sha1::finish() {
  uint64_t bits = total_bytes_ * 8;
  // Padding: a 1 bit, zeros up to 56 mod 64, then the 64-bit bit length.
  buffer_[buffered_++] = 0x80;
  if (buffered_ > 56) {
    while (buffered_ < 64)
      buffer_[buffered_++] = 0;
    block(buffer_.data());
    buffered_ = 0;
  }
  while (buffered_ < 56)
    buffer_[buffered_++] = 0;
  for (int i = 7; i >= 0; --i)
    buffer_[buffered_++] = static_cast<uint8_t>(bits >> (8 * i));
  block(buffer_.data());
  buffered_ = 0;
  sha1_digest out{};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j)
      out[4 * i + j] = static_cast<uint8_t>(h_[i] >> (24 - 8 * j));
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
