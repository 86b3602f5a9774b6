// Base64 through OpenSSL's EVP block coder. EVP_DecodeBlock is lenient (it
// skips surrounding whitespace and counts padding as zero bytes), so the
// strict shape is checked here first.
#include "troupe/keeper/base64.hpp"

#include <openssl/evp.h>


namespace troupe::keeper {

namespace {

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The number of '=' at the end of `text` (0-2) if everything before them is
// in the alphabet; -1 otherwise.
int strict_padding(std::string_view text) {
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
    ++pad;
  for (std::size_t i = 0; i + pad < text.size(); ++i)
    if (!in_alphabet(text[i]))
      return -1;
  return static_cast<int>(pad);
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

} // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0'); // EVP_EncodeBlock writes a NUL
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  int pad = strict_padding(text);
  if (pad < 0)
    return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                           static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(n - pad));
  return out;
}

} // namespace troupe::keeper
