#include "kv_machine.hpp"

#include <stdexcept>

namespace kv {

namespace {

void put_field(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

// Reads a length-prefixed field at `pos`; throws on malformed input.
std::string get_field(const std::string& in, size_t& pos) {
  auto colon = in.find(':', pos);
  if (colon == std::string::npos || colon == pos || colon - pos > 10)
    throw std::invalid_argument("malformed field");
  auto n = std::stoull(in.substr(pos, colon - pos));
  if (n > in.size() - colon - 1)
    throw std::invalid_argument("truncated field");
  auto s = in.substr(colon + 1, n);
  pos = colon + 1 + n;
  return s;
}

std::string answer(const std::optional<std::string>& v) {
  return v ? "1" + *v : "0";
}

} // namespace

std::string put_command(const std::string& key, const std::string& value) {
  std::string c = "P";
  put_field(c, key);
  put_field(c, value);
  return c;
}

std::string delete_command(const std::string& key) {
  std::string c = "D";
  put_field(c, key);
  return c;
}

std::string kv_machine::apply(const std::string& command, uint64_t) {
  // Every replica sees the same bytes: a malformed command is ignored by all
  // of them alike (it cannot come from this example's own roles).
  try {
    size_t pos = 1;
    if (command.empty())
      return "0";
    auto key = get_field(command, pos);
    auto old = get(key);
    if (command[0] == 'P')
      data_[key] = get_field(command, pos);
    else if (command[0] == 'D')
      data_.erase(key);
    return answer(old);
  } catch (const std::exception&) {
    return "0";
  }
}

std::string kv_machine::snapshot() const {
  std::string out;
  for (auto& [k, v] : data_) {
    put_field(out, k);
    put_field(out, v);
  }
  return out;
}

void kv_machine::restore(const std::string& snapshot) {
  std::map<std::string, std::string> data;
  size_t pos = 0;
  while (pos < snapshot.size()) {
    auto k = get_field(snapshot, pos);
    data[k] = get_field(snapshot, pos);
  }
  data_ = std::move(data);
}

std::string kv_machine::query(const std::string& key) {
  return answer(get(key));
}

std::optional<std::string> kv_machine::get(const std::string& key) const {
  auto i = data_.find(key);
  if (i == data_.end())
    return std::nullopt;
  return i->second;
}

} // namespace kv
