#include "troupe/log/group_spec.hpp"

#include <sstream>
#include <stdexcept>

namespace troupe::rlog {

group_config parse_group(const std::string& name, const std::string& members,
                         std::vector<runtime::peer_spec>& addresses) {
  group_config g;
  g.group = name;
  std::stringstream in{members};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      throw runtime::config_error("invalid --members entry '" + item + "' (expected ID=HOST:PORT)");
    unsigned long id = 0;
    try {
      id = std::stoul(item.substr(0, eq));
    } catch (const std::exception&) {
      throw runtime::config_error("invalid member id in '" + item + "'");
    }
    if (id == 0 || id > 255)
      throw runtime::config_error("member ids are 1-255, not " + item.substr(0, eq));
    auto [host, port] = runtime::parse_host_port(item.substr(eq + 1));
    auto node = "m" + std::to_string(id);
    if (g.members.count(static_cast<member_id>(id)))
      throw runtime::config_error("member " + std::to_string(id) + " given twice");
    g.members.emplace(static_cast<member_id>(id), node);
    addresses.push_back({node, host, port});
  }
  try {
    g.validate();
  } catch (const std::invalid_argument& e) {
    throw runtime::config_error(e.what());
  }
  return g;
}

} // namespace troupe::rlog
