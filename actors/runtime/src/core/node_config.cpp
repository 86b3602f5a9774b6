#include "troupe/runtime/node_config.hpp"

#include <cctype>
#include <tuple>

namespace troupe::runtime {

duration parse_duration(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
    ++i;
  if (i == 0 || i > 12)
    throw config_error("invalid duration '" + text + "' (examples: 250ms, 2s, 500us)");
  auto n = std::stoll(text.substr(0, i));
  auto unit = text.substr(i);
  using namespace std::chrono;
  if (unit == "ns")
    return nanoseconds(n);
  if (unit == "us")
    return microseconds(n);
  if (unit == "ms" || unit.empty())
    return milliseconds(n);
  if (unit == "s")
    return seconds(n);
  if (unit == "m" || unit == "min")
    return minutes(n);
  if (unit == "h")
    return hours(n);
  throw config_error("invalid duration '" + text + "' (units: ns, us, ms, s, m, h)");
}

std::string format_duration(duration d) {
  auto ns = d.count();
  if (ns % 1'000'000'000 == 0)
    return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0)
    return std::to_string(ns / 1'000'000) + "ms";
  if (ns % 1'000 == 0)
    return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

std::pair<std::string, uint16_t> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw config_error("invalid address '" + text + "' (expected host:port)");
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  for (unsigned char c : port_text)
    if (!std::isdigit(c))
      throw config_error("invalid port in '" + text + "'");
  if (port_text.size() > 5 || std::stoul(port_text) == 0 || std::stoul(port_text) > 65535)
    throw config_error("port out of range in '" + text + "' (1-65535)");
  return {host, static_cast<uint16_t>(std::stoul(port_text))};
}

peer_spec parse_peer(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    throw config_error("invalid peer '" + text + "' (expected name=host:port)");
  peer_spec result;
  result.node = text.substr(0, eq);
  if (!valid_name(result.node))
    throw config_error("invalid peer name in '" + text + "'");
  std::tie(result.host, result.port) = parse_host_port(text.substr(eq + 1));
  return result;
}

} // namespace troupe::runtime
