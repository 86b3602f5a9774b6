// An ordered map from string keys whose copies share storage: copying it, or
// freezing it for a snapshot, costs one pointer per ~200 entries, and only
// what is written afterwards is copied (copy-on-write).
//
// Entries live in sorted leaves of at most max_leaf entries, held by
// shared_ptr in a sorted vector; a leaf holds shared_ptrs to its entries.
// A leaf or an entry whose use count is above one is shared with a copy or
// a frozen view and never changes: a write first replaces it with a private
// copy (a leaf copy only copies its entries' pointers; the one entry written
// is then copied). So a frozen view may be read on another thread while
// this map keeps changing, without locks: that thread only reads what
// nobody writes, and the last owner (either side) frees it. Entries behind
// pointers also keep an insert cheap: it shifts pointers, not values. A
// lookup searches contiguous keys (each leaf's first key, then the leaf's
// keys), not a chain of pointers.
//
// Iterators are positions (leaf, entry): any write invalidates them, except
// mutate(), which keeps every iterator's position valid.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::keeper {

template <class V>
class cow_map {
public:
  using value_type = std::pair<std::string, V>;
  static constexpr std::size_t max_leaf = 256;

private:
  using entry = std::shared_ptr<value_type>;
  struct leaf {
    std::vector<std::string> keys; // sorted, never empty in a map
    std::vector<entry> items;      // items[i]->first == keys[i]
  };

public:
  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = cow_map::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return *map_->leaves_[leaf_]->items[item_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++item_ == map_->leaves_[leaf_]->items.size()) {
        ++leaf_;
        item_ = 0;
      }
      return *this;
    }
    bool operator==(const const_iterator& o) const { return leaf_ == o.leaf_ && item_ == o.item_; }
    bool operator!=(const const_iterator& o) const { return !(*this == o); }

  private:
    friend class cow_map;
    const_iterator(const cow_map* m, std::size_t l, std::size_t i) : map_(m), leaf_(l), item_(i) {}
    const cow_map* map_ = nullptr;
    std::size_t leaf_ = 0, item_ = 0;
  };
  using iterator = const_iterator; // values change only through mutate()

  /// A read-only view of the map as it was when frozen; it shares the
  /// leaves and may be read (and dropped) on any one thread.
  class frozen {
  public:
    frozen() = default;
    std::size_t size() const { return size_; }
    template <class F>
    void for_each(F&& f) const {
      for (const auto& l : leaves_)
        for (const auto& e : l->items)
          f(e->first, e->second);
    }

  private:
    friend class cow_map;
    std::vector<std::shared_ptr<const leaf>> leaves_;
    std::size_t size_ = 0;
  };

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const_iterator begin() const { return {this, 0, 0}; }
  const_iterator end() const { return {this, leaves_.size(), 0}; }

  void clear() {
    leaves_.clear();
    firsts_.clear();
    size_ = 0;
  }

  const_iterator lower_bound(std::string_view key) const {
    if (leaves_.empty())
      return end();
    auto l = locate(key);
    const auto& keys = leaves_[l]->keys;
    auto i = position(keys, key);
    if (i == keys.size())
      return {this, l + 1, 0};
    return {this, l, i};
  }

  const_iterator find(std::string_view key) const {
    auto it = lower_bound(key);
    if (leaves_.empty())
      return end();
    auto l = locate(key);
    const auto& keys = leaves_[l]->keys;
    auto i = position(keys, key);
    return i < keys.size() && keys[i] == key ? const_iterator{this, l, i} : end();
  }

  /// Inserts (key, value) unless key is present; false if it was.
  bool emplace(std::string key, V value) {
    if (leaves_.empty()) {
      leaves_.push_back(std::make_shared<leaf>());
      firsts_.push_back(key);
      leaves_.back()->keys.push_back(key);
      leaves_.back()->items.push_back(std::make_shared<value_type>(std::move(key), std::move(value)));
      size_ = 1;
      return true;
    }
    auto l = locate(key);
    auto i = position(leaves_[l]->keys, key);
    if (i < leaves_[l]->keys.size() && leaves_[l]->keys[i] == key)
      return false;
    auto& lf = own(l);
    bool appended = i == lf.keys.size() && l + 1 == leaves_.size();
    auto at_i = static_cast<std::ptrdiff_t>(i);
    lf.keys.insert(lf.keys.begin() + at_i, key);
    lf.items.insert(lf.items.begin() + at_i, std::make_shared<value_type>(std::move(key), std::move(value)));
    if (i == 0)
      firsts_[l] = lf.keys.front();
    ++size_;
    if (lf.keys.size() > max_leaf) {
      // Split in halves, the upper half becoming the next leaf; appending in
      // key order (a restore) leaves the full leaf as it is instead.
      auto upper = std::make_shared<leaf>();
      auto at = static_cast<std::ptrdiff_t>(appended ? lf.keys.size() - 1 : lf.keys.size() / 2);
      upper->keys.assign(std::make_move_iterator(lf.keys.begin() + at), std::make_move_iterator(lf.keys.end()));
      upper->items.assign(std::make_move_iterator(lf.items.begin() + at), std::make_move_iterator(lf.items.end()));
      lf.keys.erase(lf.keys.begin() + at, lf.keys.end());
      lf.items.erase(lf.items.begin() + at, lf.items.end());
      lf.keys.shrink_to_fit(); // the vectors grew to 2 x max_leaf for the one entry
      lf.items.shrink_to_fit();
      firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(l + 1), upper->keys.front());
      leaves_.insert(leaves_.begin() + static_cast<std::ptrdiff_t>(l + 1), std::move(upper));
    }
    return true;
  }

  /// Removes the entry at `it` and returns its value.
  V extract(const_iterator it) {
    auto& lf = own(it.leaf_);
    auto& e = lf.items[it.item_];
    V value = e.use_count() > 1 ? e->second : std::move(e->second);
    lf.items.erase(lf.items.begin() + static_cast<std::ptrdiff_t>(it.item_));
    lf.keys.erase(lf.keys.begin() + static_cast<std::ptrdiff_t>(it.item_));
    --size_;
    if (lf.keys.empty()) {
      leaves_.erase(leaves_.begin() + static_cast<std::ptrdiff_t>(it.leaf_));
      firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(it.leaf_));
    } else if (it.item_ == 0) {
      firsts_[it.leaf_] = lf.keys.front();
    }
    return value;
  }

  /// The value at `it`, writable: its leaf and entry are copied first if
  /// shared.
  V& mutate(const_iterator it) {
    auto& e = own(it.leaf_).items[it.item_];
    if (e.use_count() > 1)
      e = std::make_shared<value_type>(*e);
    else
      std::atomic_thread_fence(std::memory_order_acquire); // as in own()
    return e->second;
  }

  /// O(size / leaf size): shares every leaf with the view.
  frozen freeze() const {
    frozen f;
    f.leaves_.assign(leaves_.begin(), leaves_.end());
    f.size_ = size_;
    return f;
  }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& l : leaves_)
      for (const auto& e : l->items)
        f(e->first, e->second);
  }

  /// Leaves shared with a copy or a frozen view (for tests and metrics).
  std::size_t shared_leaves() const {
    return static_cast<std::size_t>(std::count_if(
      leaves_.begin(), leaves_.end(), [](const auto& l) { return l.use_count() > 1; }));
  }
  std::size_t leaf_count() const { return leaves_.size(); }

private:
  // The first of `keys` not below `key`.
  static std::size_t position(const std::vector<std::string>& keys, std::string_view key) {
    return static_cast<std::size_t>(
      std::lower_bound(keys.begin(), keys.end(), key,
                       [](const std::string& a, std::string_view b) { return a < b; })
      - keys.begin());
  }

  // The leaf that holds `key` or would: the last whose first key <= key.
  std::size_t locate(std::string_view key) const {
    auto it = std::upper_bound(firsts_.begin(), firsts_.end(), key,
                               [](std::string_view k, const std::string& first) { return k < first; });
    return it == firsts_.begin() ? 0 : static_cast<std::size_t>(it - firsts_.begin() - 1);
  }

  leaf& own(std::size_t l) {
    auto& p = leaves_[l];
    if (p.use_count() > 1) {
      p = std::make_shared<leaf>(*p);
    } else {
      // The count is read relaxed; pair it with the release by which
      // another thread dropped its share, so its reads happen before our
      // writes.
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return *p;
  }

  std::vector<std::shared_ptr<leaf>> leaves_;
  std::vector<std::string> firsts_; // firsts_[l] == leaves_[l]->keys.front()
  std::size_t size_ = 0;
};

} // namespace troupe::keeper
