// Status pages: JSON for tools, the same document as text for people.
#include <gtest/gtest.h>

#include "troupe/runtime/json_page.hpp"

namespace rt = troupe::runtime;

TEST(JsonPage, JsonUnlessTextIsAskedFor) {
  std::string doc = R"({"node":"n1"})";
  auto json = rt::json_page(doc, {"/status", {}});
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.content_type, "application/json");
  EXPECT_EQ(json.body, doc);
  EXPECT_EQ(rt::json_page(doc, {"/status", {{"format", "json"}}}).body, doc);
  auto text = rt::json_page(doc, {"/status", {{"format", "text"}}});
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(text.body, "node: n1\n");
  auto bad = rt::json_page(doc, {"/status", {{"format", "yaml"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "unknown format yaml (json or text)\n");
}

TEST(JsonPage, TextKeepsTheOrderIndentsNestingAndPutsScalarListsOnOneLine) {
  auto text = rt::json_as_text(R"({"node":"n1","uptime_ms":12,"roles":["echo","log"],"none":[],
    "peers":[{"node":"n2","state":"up","rtt_us":80},{"node":"n3","state":"down","reason":null}],
    "log":{"role":"leader","acceptors":[{"id":1,"reachable":true}]},"ids":[1,{"a":2}]})");
  EXPECT_EQ(text,
            "node: n1\n"
            "uptime_ms: 12\n"
            "roles: echo, log\n"
            "none: []\n"
            "peers:\n"
            "  - node: n2\n"
            "    state: up\n"
            "    rtt_us: 80\n"
            "  - node: n3\n"
            "    state: down\n"
            "    reason: -\n"
            "log:\n"
            "  role: leader\n"
            "  acceptors:\n"
            "    - id: 1\n"
            "      reachable: true\n"
            "ids:\n"
            "  - 1\n"
            "  - a: 2\n");
  EXPECT_EQ(rt::json_as_text("not json"), "not json");
}
