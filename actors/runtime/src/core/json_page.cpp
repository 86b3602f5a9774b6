#include "troupe/runtime/json_page.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace troupe::runtime {

namespace {

// Members keep the document's order (who the page is about comes first).
using json = nlohmann::ordered_json;

bool is_scalar(const json& v) { return !v.is_object() && !v.is_array(); }

std::string scalar_text(const json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_null())
    return "-";
  return v.dump();
}

void render(const json& v, const std::string& indent, std::string& out);

// "key: value" for a scalar or an array of scalars, else "key:" and the
// value indented below.
void render_member(const std::string& key, const json& v, const std::string& indent, std::string& out) {
  out += indent + key + ":";
  if (is_scalar(v)) {
    out += " " + scalar_text(v) + "\n";
  } else if (v.empty()) {
    out += v.is_array() ? " []\n" : " {}\n";
  } else if (v.is_array() && std::all_of(v.begin(), v.end(), is_scalar)) {
    std::string sep = " ";
    for (auto& e : v) {
      out += sep + scalar_text(e);
      sep = ", ";
    }
    out += "\n";
  } else {
    out += "\n";
    render(v, indent + "  ", out);
  }
}

void render(const json& v, const std::string& indent, std::string& out) {
  if (v.is_object()) {
    for (auto& [key, member] : v.items())
      render_member(key, member, indent, out);
  } else if (v.is_array()) {
    // Each element under a "-", its members one level in.
    for (auto& e : v) {
      if (e.is_object() && !e.empty()) {
        std::string item;
        render(e, indent + "  ", item);
        out += indent + "-" + item.substr(indent.size() + 1);
      } else if (is_scalar(e)) {
        out += indent + "- " + scalar_text(e) + "\n";
      } else {
        render_member("-", e, indent, out);
      }
    }
  } else {
    out += indent + scalar_text(v) + "\n";
  }
}

} // namespace

std::string json_as_text(const std::string& text) {
  auto v = json::parse(text, nullptr, false);
  if (v.is_discarded())
    return text;
  std::string out;
  render(v, "", out);
  return out;
}

http_endpoint::response json_page(const std::string& json_text, const http_endpoint::request& req) {
  auto format = req.params.find("format");
  if (format == req.params.end() || format->second == "json")
    return {200, json_text, "application/json"};
  if (format->second == "text")
    return {200, json_as_text(json_text)};
  return {400, "unknown format " + format->second + " (json or text)\n"};
}

} // namespace troupe::runtime
