// Configuration publish/subscribe (ZooKeeper's "configuration management"
// use, as Curator's NodeCache per key): key K lives in node PATH/K.
// publish() writes it (creating it, and PATH's missing parts as
// containers, if needed). subscribe(K, f) calls f with the current value
// and again after every change: a data watch (getData) while the node
// exists, an exists watch while it does not, so deletion and re-creation
// are seen too. The configuration's own thread re-reads and re-arms the
// watches (never the client's event thread) and calls f.
//
// Watches are one-shot, so values published in quick succession may
// arrive as fewer calls; those that arrive are in publication order, never
// twice, and the latest value always arrives. f gets nullopt while the key
// does not exist. A session that ends makes the calls throw
// keeper_error(session_expired) and stops the subscriptions.
//
// Destroy the object before its client, and not from its own callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace troupe::keeper {
class client;
}

namespace troupe::keeper::recipes {

class configuration {
public:
  using subscriber = std::function<void(const std::string& key, const std::optional<std::string>& value)>;

  configuration(client& c, std::string path);
  ~configuration(); // ends the subscriptions
  configuration(const configuration&) = delete;
  configuration& operator=(const configuration&) = delete;

  /// Sets key to value (keys may contain '/': nested nodes).
  void publish(const std::string& key, const std::string& value);
  /// The key's value now (nullopt if unset).
  std::optional<std::string> get(const std::string& key);
  /// Deletes the key (nothing if unset).
  void remove(const std::string& key);
  /// Calls f(key, value) with the current value and again on every change,
  /// from the configuration's own thread (so the first call may come just
  /// after subscribe returns); returns an id for unsubscribe.
  uint64_t subscribe(const std::string& key, subscriber f);
  void unsubscribe(uint64_t id);

private:
  struct subscriptions;
  std::string node(const std::string& key) const;

  client& c_;
  std::string path_;
  std::shared_ptr<subscriptions> subs_;
};

} // namespace troupe::keeper::recipes
