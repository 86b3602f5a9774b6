// Protobuf messages as CAF messages: a round trip through CAF's binary
// serializer (what the middleman does between processes), malformed input,
// and the text form used in logs.
#include <gtest/gtest.h>

#include "caf/all.hpp"

#include "troupe/messages/registry.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/actor_system_setup.hpp"

namespace {

struct bridge : ::testing::Test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  void SetUp() override {
    troupe::runtime::register_runtime_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

} // namespace

TEST_F(bridge, MessageRoundTripsThroughCafSerializer) {
  troupe::wire::Echo echo;
  echo.set_from_node("n1");
  echo.set_seq(42);
  echo.set_sent_ns(-7);
  echo.set_payload(std::string("\0\xff binary", 9));
  auto msg = caf::make_message(echo, std::string{"tail"});
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  ASSERT_FALSE(sink(msg));
  caf::message out;
  caf::binary_deserializer source{*sys, buf};
  ASSERT_FALSE(source(out));
  ASSERT_TRUE((out.match_elements<troupe::wire::Echo, std::string>()));
  auto& got = out.get_as<troupe::wire::Echo>(0);
  EXPECT_EQ(got.from_node(), "n1");
  EXPECT_EQ(got.seq(), 42u);
  EXPECT_EQ(got.sent_ns(), -7);
  EXPECT_EQ(got.payload(), echo.payload());
  EXPECT_EQ(out.get_as<std::string>(1), "tail");
}

TEST_F(bridge, AllWireTypesAreRegisteredUnderTheirProtobufNames) {
  auto* info = troupe::messages::find_protobuf_type(typeid(troupe::wire::Heartbeat));
  ASSERT_NE(info, nullptr);
  troupe::wire::Heartbeat hb;
  hb.set_seq(3);
  EXPECT_EQ(info->encode(&hb), hb.SerializeAsString());
  EXPECT_EQ(sys->types().portable_name(0, &typeid(troupe::wire::NodeStatus)),
            "troupe.wire.NodeStatus");
}

TEST_F(bridge, MalformedBytesAreAnErrorNotACrash) {
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  std::string garbage("\xff\xff\xff\xff\x0f", 5); // a field tag without a value
  ASSERT_FALSE(sink(garbage));
  caf::binary_deserializer source{*sys, buf};
  troupe::wire::Echo e;
  auto err = source(e);
  EXPECT_TRUE(err);
  // Truncated input: the length prefix promises more than there is.
  std::vector<char> cut(buf.begin(), buf.begin() + 2);
  caf::binary_deserializer short_source{*sys, cut};
  EXPECT_TRUE(short_source(e));
}

TEST_F(bridge, TextFormNamesTheTypeAndFields) {
  troupe::wire::Echo echo;
  echo.set_seq(5);
  auto text = caf::to_string(caf::make_message(echo));
  EXPECT_NE(text.find("troupe.wire.Echo{seq: 5}"), std::string::npos) << text;
}
