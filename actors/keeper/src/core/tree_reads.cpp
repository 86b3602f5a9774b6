// data_tree reads, with ZooKeeper's (FinalRequestProcessor's) permission
// rules: getData, getChildren, getAllChildrenNumber and check need READ;
// getACL needs READ or ADMIN; exists and getEphemerals need nothing.
#include <iterator>

#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

data_result data_tree::get_data(std::string_view path, const identities& ids) const {
  data_result r;
  if (!validate_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end())
    r.err = error::no_node;
  else if (!check_acl(node->second.acls, perms::read, ids))
    r.err = error::no_auth;
  else {
    r.data = node->second.data;
    r.st = client_stat(node->second);
  }
  return r;
}

stat_result data_tree::exists(std::string_view path) const {
  stat_result r;
  if (!validate_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end())
    r.err = error::no_node;
  else
    r.st = client_stat(node->second);
  return r;
}

children_result data_tree::get_children(std::string_view path, const identities& ids) const {
  children_result r;
  if (!validate_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end())
    r.err = error::no_node;
  else if (!check_acl(node->second.acls, perms::read, ids))
    r.err = error::no_auth;
  else {
    r.children.assign(node->second.children.begin(), node->second.children.end());
    r.st = client_stat(node->second);
  }
  return r;
}

acl_result data_tree::get_acl(std::string_view path, const identities& ids) const {
  acl_result r;
  if (!validate_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    r.err = error::no_node;
  } else if (!check_acl(node->second.acls, perms::read | perms::admin, ids)) {
    r.err = error::no_auth; // either bit suffices
  } else {
    r.st = client_stat(node->second);
    r.acls = check_acl(node->second.acls, perms::admin, ids) ? node->second.acls
                                                              : redact_digests(node->second.acls);
  }
  return r;
}

count_result data_tree::get_all_children_number(std::string_view path,
                                                 const identities& ids) const {
  count_result r;
  if (!validate_path(path)) {
    r.err = error::bad_arguments;
    return r;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    r.err = error::no_node;
  } else if (!check_acl(node->second.acls, perms::read, ids)) {
    r.err = error::no_auth;
  } else if (path == "/") {
    r.count = static_cast<int32_t>(nodes_.size() - 1);
  } else {
    // Descendants of "/a" are exactly the keys in ["/a/", "/a0"): '0' follows
    // '/' in byte order, so the ordered map makes this a range, not a scan.
    std::string lo(path);
    lo += '/';
    std::string hi(path);
    hi += static_cast<char>('/' + 1);
    r.count = static_cast<int32_t>(std::distance(nodes_.lower_bound(lo), nodes_.lower_bound(hi)));
  }
  return r;
}

std::vector<std::string> data_tree::get_ephemerals(int64_t session_id,
                                                   std::string_view prefix) const {
  std::vector<std::string> out;
  auto it = ephemerals_.find(session_id);
  if (it == ephemerals_.end())
    return out;
  const auto& paths = it->second;
  // ZooKeeper: a blank or "/" prefix means all, else String.startsWith.
  auto first = prefix.find_first_not_of(" \t\r\n");
  auto last = prefix.find_last_not_of(" \t\r\n");
  std::string_view trimmed =
    first == std::string_view::npos ? std::string_view() : prefix.substr(first, last - first + 1);
  if (trimmed.empty() || trimmed == "/")
    return {paths.begin(), paths.end()};
  for (auto p = paths.lower_bound(std::string(prefix));
       p != paths.end() && p->compare(0, prefix.size(), prefix) == 0; ++p)
    out.push_back(*p);
  return out;
}

error data_tree::check_version(std::string_view path, int32_t version,
                               const identities& ids) const {
  if (!validate_path(path))
    return error::bad_arguments;
  auto node = find(path);
  if (node == nodes_.end())
    return error::no_node;
  if (!check_acl(node->second.acls, perms::read, ids))
    return error::no_auth;
  if (version != -1 && version != node->second.st.version)
    return error::bad_version;
  return error::ok;
}

} // namespace troupe::keeper
