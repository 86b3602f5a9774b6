#include "troupe/log/follower_status.hpp"

#include <nlohmann/json.hpp>

namespace troupe::rlog {

using json = nlohmann::ordered_json;

std::string to_json(const follower_status& s) {
  return json{{"group", s.group},
              {"follower", s.follower},
              {"applied", s.applied},
              {"epoch", s.epoch},
              {"leader", s.leader_node.empty() ? json(nullptr) : json(s.leader_node)}}
    .dump();
}

std::optional<follower_status> parse_follower_status(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_object() && doc.contains("follower") && doc["follower"].is_object())
    doc = doc["follower"];
  if (!doc.is_object())
    return std::nullopt;
  try {
    follower_status s;
    s.group = doc.at("group").get<std::string>();
    s.follower = doc.at("follower").get<std::string>();
    s.applied = doc.at("applied").get<uint64_t>();
    s.epoch = doc.at("epoch").get<uint64_t>();
    auto& leader = doc.at("leader");
    if (!leader.is_null())
      s.leader_node = leader.get<std::string>();
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

} // namespace troupe::rlog
