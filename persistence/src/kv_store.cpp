// write_batch and the kv_store conveniences shared by every store.
#include "troupe/persistence/kv_store.hpp"

namespace troupe::persistence {

void write_batch::put(std::string_view key, std::string_view value) {
  ops_.push_back(op{op_kind::put, std::string{key}, std::string{value}});
  bytes_ += key.size() + value.size();
}

void write_batch::del(std::string_view key) {
  ops_.push_back(op{op_kind::del, std::string{key}, std::string{}});
  bytes_ += key.size();
}

kv_store::~kv_store() = default;

void kv_store::put(std::string_view key, std::string_view value, bool sync) {
  write_batch batch;
  batch.put(key, value);
  write(batch, sync);
}

void kv_store::del(std::string_view key, bool sync) {
  write_batch batch;
  batch.del(key);
  write(batch, sync);
}

} // namespace troupe::persistence
