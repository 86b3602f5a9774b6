// Access control as ZooKeeper does it: a node carries a list of ACL entries
// (perms, scheme, id); a session holds authenticated identities (scheme, id);
// an operation needing permission P passes if some entry grants P and matches
// one of the identities.
//
// Schemes:
//   world:anyone      matches everybody (the only valid "world" id);
//   digest:user:hash  hash = base64(sha1("user:password")); matches a session
//                     that authenticated as exactly that id;
//   ip:a.b.c.d[/bits] matches a session whose "ip" identity lies in the
//                     prefix. IPv4 only: an IPv6 expression is invalid_acl
//                     here (ZooKeeper 3.8 also accepts IPv6);
//   auth              not stored: at create/setACL time it expands to every
//                     "digest" identity the session holds (invalid_acl if it
//                     holds none), as ZooKeeper's fixupACL does.
// Any other scheme (sasl, x509, ...) is invalid_acl: Keeper has no such
// authentication provider. A session holding the identity ("super", any id)
// passes every check, as ZooKeeper's superDigest user does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "troupe/keeper/errors.hpp"

namespace troupe::keeper {

// Permission bits (ZooDefs.Perms). `remove` is ZooKeeper's DELETE.
namespace perms {
inline constexpr int32_t read = 1;
inline constexpr int32_t write = 2;
inline constexpr int32_t create = 4;
inline constexpr int32_t remove = 8;
inline constexpr int32_t admin = 16;
inline constexpr int32_t all = read | write | create | remove | admin; // 31
} // namespace perms

// An identity a session has authenticated as.
struct auth_id {
  std::string scheme;
  std::string id;

  friend bool operator==(const auth_id& a, const auth_id& b) {
    return a.scheme == b.scheme && a.id == b.id;
  }
  friend bool operator<(const auth_id& a, const auth_id& b) {
    return std::tie(a.scheme, a.id) < std::tie(b.scheme, b.id);
  }
};

// One ACL entry.
struct acl {
  int32_t perms = 0;
  std::string scheme;
  std::string id;

  friend bool operator==(const acl& a, const acl& b) {
    return a.perms == b.perms && a.scheme == b.scheme && a.id == b.id;
  }
  friend bool operator!=(const acl& a, const acl& b) { return !(a == b); }
};

using acl_list = std::vector<acl>;
using identities = std::vector<auth_id>;

// ZooDefs.Ids: world:anyone with all perms / read only; auth with all perms.
acl_list open_acl_unsafe();
acl_list read_acl_unsafe();
acl_list creator_all_acl();

// "user:" + base64(sha1("user:password")): the stored digest id.
std::string digest_id(std::string_view user, std::string_view password);
// Same from "user:password" (what addauth digest sends); the user is the part
// before the first ':' (ZooKeeper's DigestAuthenticationProvider.generateDigest).
std::string digest_from_credentials(std::string_view user_password);

// Whether an id is well formed for a scheme that can be stored in an ACL.
bool valid_acl_id(std::string_view scheme, std::string_view id);

// Whether the IPv4 address `client_ip` lies in `acl_expr` ("a.b.c.d" or
// "a.b.c.d/bits").
bool ip_matches(std::string_view client_ip, std::string_view acl_expr);

// True when `ids` grant `perm` on a node with `acls` (ZooKeeper's checkACL;
// an empty list grants everything, which Keeper never stores).
bool check_acl(const acl_list& acls, int32_t perm, const identities& ids);

// Validates and expands ACLs for create/setACL (ZooKeeper's fixupACL):
// duplicates removed (first kept), empty list -> invalid_acl, "auth" expanded,
// bad scheme or id -> invalid_acl.
struct acl_fixup {
  error err = error::ok;
  acl_list acls;
};
acl_fixup fixup_acl(const acl_list& requested, const identities& ids);

// getACL for a caller without ADMIN: digest hashes replaced by "x"
// ("user:hash" -> "user:x"), as ZooKeeper does.
acl_list redact_digests(acl_list acls);

} // namespace troupe::keeper
