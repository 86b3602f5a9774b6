// data_tree reads, with ZooKeeper's (FinalRequestProcessor's) permission
// rules: getData, getChildren, getAllChildrenNumber and check need READ;
// getACL needs READ or ADMIN; exists and getEphemerals need nothing.
#include <iterator>

#include "troupe/keeper/data_tree.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper {

const data_tree::znode* data_tree::readable(std::string_view path, int32_t perm,
                                            const identities& ids, error& err) const {
  if (!validate_path(path)) {
    err = error::bad_arguments;
    return nullptr;
  }
  auto node = find(path);
  if (node == nodes_.end()) {
    err = error::no_node;
    return nullptr;
  }
  if (perm != 0 && !check_acl(node->second.acls, perm, ids)) {
    err = error::no_auth;
    return nullptr;
  }
  return &node->second;
}

data_result data_tree::get_data(std::string_view path, const identities& ids) const {
  data_result r;
  if (auto* node = readable(path, perms::read, ids, r.err)) {
    r.data = node->data;
    r.st = client_stat(path, *node);
  }
  return r;
}

stat_result data_tree::exists(std::string_view path) const {
  stat_result r;
  if (auto* node = readable(path, 0, {}, r.err)) // exists needs no permission
    r.st = client_stat(path, *node);
  return r;
}

children_result data_tree::get_children(std::string_view path, const identities& ids) const {
  children_result r;
  if (auto* node = readable(path, perms::read, ids, r.err)) {
    if (auto c = children_.find(path); c != children_.end())
      r.children.assign(c->second.begin(), c->second.end());
    r.st = client_stat(path, *node);
  }
  return r;
}

acl_result data_tree::get_acl(std::string_view path, const identities& ids) const {
  acl_result r;
  // Either bit suffices; only ADMIN sees digest hashes.
  if (auto* node = readable(path, perms::read | perms::admin, ids, r.err)) {
    r.st = client_stat(path, *node);
    r.acls = check_acl(node->acls, perms::admin, ids) ? node->acls : redact_digests(node->acls);
  }
  return r;
}

count_result data_tree::get_all_children_number(std::string_view path,
                                                 const identities& ids) const {
  count_result r;
  if (!readable(path, perms::read, ids, r.err))
    return r;
  if (path == "/") {
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
  auto err = error::ok;
  auto* node = readable(path, perms::read, ids, err);
  if (node && version != -1 && version != node->st.version)
    return error::bad_version;
  return err;
}

} // namespace troupe::keeper
