// Little-endian fixed-width writer/reader for Keeper's snapshot encoding.
// Internal to troupe_keeper_core.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::keeper::detail {

class byte_writer {
public:
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void raw(std::string_view s) { out_.append(s.data(), s.size()); }
  std::string take() { return std::move(out_); }

private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  std::string out_;
};

// Every read reports failure (truncation) through ok(); reads after a
// failure return zeros, so callers check once per record.
class byte_reader {
public:
  explicit byte_reader(std::string_view in) : in_(in) {}
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view raw(std::size_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    auto s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }

private:
  uint64_t get(int n) {
    if (!ok_ || static_cast<std::size_t>(n) > in_.size() - pos_) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
      v |= uint64_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += n;
    return v;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

} // namespace troupe::keeper::detail
