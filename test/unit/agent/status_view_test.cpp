#include <gtest/gtest.h>

#include "status_view.hpp"

using namespace ppp2p::agent;

namespace {

StatusView sample() {
  StatusView v;
  v.version = "0.1.0";
  v.self_id = "aa";
  v.self_address = "127.0.0.1:20001";
  v.data_dir = "/tmp/\"quoted\"\\dir";
  v.uptime_ms = 1234;
  v.peers = {{"aa", "127.0.0.1:20001", "alive", 7, 2, 2, 1, 101.5, 0.25, true, 1000},
             {"bb", "127.0.0.1:20002", "suspect", 9, 4, 4, 4, 99.0, 1.5, false, 20}};
  return v;
}

} // namespace

TEST(StatusView, ReplyRoundTripsThroughTheWireFormat) {
  StatusView v = sample();
  auto back = decode_status_reply(encode_status_reply(v));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->self_address, v.self_address);
  EXPECT_EQ(back->data_dir, v.data_dir);
  ASSERT_EQ(back->peers.size(), 2u);
  EXPECT_EQ(back->peers[1].state, "suspect");
  EXPECT_EQ(back->peers[1].cores, 4u);
  EXPECT_TRUE(back->peers[0].is_self);
  EXPECT_FLOAT_EQ(static_cast<float>(back->peers[0].speed), 101.5f);
}

TEST(StatusView, AVcsResumedMigratedAndLostCountsTravelAndShowInJson) {
  StatusView v = sample();
  v.vcs = {{"00000000000000ab", "f00d", 2, 2, 0, 3, 4, 20, 9, 5, 1, 6}};
  auto back = decode_status_reply(encode_status_reply(v));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->vcs.size(), 1u);
  EXPECT_EQ(back->vcs[0].finished, 9u);
  EXPECT_EQ(back->vcs[0].resumed, 5u);
  EXPECT_EQ(back->vcs[0].migrated, 1u);
  EXPECT_EQ(back->vcs[0].lost, 6u);
  EXPECT_NE(status_json(v).find("\"finished\": 9, \"resumed\": 5, \"migrated\": 1, \"lost\": 6}"),
            std::string::npos);
}

TEST(StatusView, RequestsAreRecognisedAndGarbageIsNot) {
  EXPECT_TRUE(is_status_request(encode_status_request()));
  EXPECT_FALSE(is_status_request(encode_status_reply(sample())));
  ppp2p::net::Bytes junk(40, 0x41);
  EXPECT_FALSE(is_status_request(junk));
  EXPECT_FALSE(decode_status_reply(junk));
  // A request read from a stream can sit at any offset.
  ppp2p::net::Bytes req = encode_status_request();
  ppp2p::net::Bytes shifted(1);
  shifted.insert(shifted.end(), req.begin(), req.end());
  EXPECT_TRUE(is_status_request(ppp2p::net::ByteView(shifted).subspan(1)));
}

TEST(StatusView, JsonHasTheDocumentedShape) {
  std::string json = status_json(sample());
  EXPECT_EQ(json.rfind("{\"self\": {", 0), 0u);
  EXPECT_NE(json.find("\"peers\": ["), std::string::npos);
  EXPECT_NE(json.find("{\"address\": \"127.0.0.1:20002\", \"id\": \"bb\", \"state\": \"suspect\""),
            std::string::npos);
  EXPECT_NE(json.find("\"cores\": 4, \"slots\": 4, \"free_slots\": 4, \"speed\": 99.000"),
            std::string::npos);
  EXPECT_NE(json.find("\"self\": true"), std::string::npos);
  EXPECT_NE(json.find("\"data_dir\": \"/tmp/\\\"quoted\\\"\\\\dir\""), std::string::npos);
}

TEST(StatusView, TableShowsEveryPeerAndMarksThisAgent) {
  std::string table = status_table(sample());
  EXPECT_NE(table.find("127.0.0.1:20002"), std::string::npos);
  EXPECT_NE(table.find("suspect"), std::string::npos);
  EXPECT_NE(table.find("(this agent)"), std::string::npos);
}
