// The ledger's keyed primitives keep keyed contexts per thread
// (ledger_secret.cpp, commit_evidence.cpp). A thread's first use keys a
// fresh context; later uses restart it. These tests check that a restarted
// context computes what a fresh one does (another thread's first use),
// across alternating secrets, and that the commit evidence is HMAC-SHA256
// under its derived key, computed here by OpenSSL's one-shot HMAC().
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bank/encoding.hpp"
#include "bank/hash.hpp"
#include "bank/ledger_entry.hpp"
#include "bank/ledger_tables.hpp"
#include "ledger/commit_evidence.hpp"
#include "ledger/serialiser.hpp"

namespace bl = bank::ledger;
using bankd::ledger::CommitEvidence;
using bankd::ledger::Serialiser;

namespace {

std::string Hmac(std::string_view key, std::string_view message) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Runs `f` on a new thread: its thread-local contexts start fresh.
template <typename F>
auto OnFreshThread(F f) {
  decltype(f()) result;
  std::thread([&] { result = f(); }).join();
  return result;
}

std::string Entry(const Serialiser& s, uint64_t seqno, const std::string& value) {
  bl::WriteSet writes{{"bank.history", "k" + std::to_string(seqno), value},
                      {"public:bank.totals", "deposited", std::to_string(seqno)}};
  return s.Serialise(bank::TxId{2, seqno}, writes, bank::Digest{}, "ce:2." + std::to_string(seqno) + ":00", 0)
      .value()
      .bytes;
}

bank::Result<bl::WriteSet> Open(const Serialiser& s, const std::string& bytes) {
  auto frame = bl::ParseFrame(bytes).value();
  auto domain = bl::ParsePublicDomain(frame.public_domain).value();
  return s.Writes(frame, domain);
}

}  // namespace

TEST_CASE("commit evidence is HMAC-SHA256 under the derived key, on a fresh or a reused context",
          "[ledger]") {
  const std::string secret_a(32, 'a'), secret_b(32, 'b');
  auto a = CommitEvidence::FromSecret(secret_a).value();
  auto b = CommitEvidence::FromSecret(secret_b).value();
  const std::string key_a = Hmac(secret_a, "bankd commit evidence");
  const std::string key_b = Hmac(secret_b, "bankd commit evidence");
  // Alternating keys on one thread: each use after the first restarts or
  // replaces the thread's context.
  for (uint64_t seqno : {1, 2, 3, 1000000}) {
    const bank::TxId txid{2, seqno};
    const std::string id = txid.ToString();
    CHECK(a.For(txid) == "ce:" + id + ":" + bank::ToHex(bank::AsBytes(Hmac(key_a, id))));
    CHECK(b.For(txid) == "ce:" + id + ":" + bank::ToHex(bank::AsBytes(Hmac(key_b, id))));
    CHECK(a.For(txid) == OnFreshThread([&] { return a.For(txid); }));
  }
  CHECK(a.For({2, 5}) != b.For({2, 5}));
}

TEST_CASE("entries sealed and opened on reused cipher contexts match fresh ones, secret by secret",
          "[ledger]") {
  const Serialiser a(std::string(32, 'a')), b(std::string(32, 'b'));
  std::vector<std::string> sealed_a, sealed_b;
  for (uint64_t seqno = 1; seqno <= 4; ++seqno) {  // alternating secrets on this thread
    sealed_a.push_back(Entry(a, seqno, "value " + std::to_string(seqno)));
    sealed_b.push_back(Entry(b, seqno, "value " + std::to_string(seqno)));
  }
  for (size_t i = 0; i < sealed_a.size(); ++i) {
    // Sealing again, on a fresh thread, gives the same bytes (same IV).
    CHECK(sealed_a[i] == OnFreshThread([&] { return Entry(a, i + 1, "value " + std::to_string(i + 1)); }));
    CHECK(sealed_a[i] != sealed_b[i]);
    // Each opens under its own secret only, here and on a fresh thread,
    // whatever this thread's contexts were keyed with just before.
    auto opened = Open(a, sealed_a[i]);
    REQUIRE(opened.ok());
    const bl::Write* history = nullptr;
    for (const auto& w : *opened)
      if (w.table == "bank.history") history = &w;
    REQUIRE(history != nullptr);
    CHECK(history->value == "value " + std::to_string(i + 1));
    CHECK(Open(b, sealed_a[i]).status().code() == bank::Code::kVerifyFailed);
    CHECK(Open(a, sealed_b[i]).status().code() == bank::Code::kVerifyFailed);
    CHECK(Open(b, sealed_b[i]).ok());
    CHECK(OnFreshThread([&] { return Open(a, sealed_a[i]).ok(); }));
  }
  // A damaged tag fails, and does not spoil the next open.
  std::string damaged = sealed_a[0];
  damaged[damaged.size() - 1] ^= 1;
  CHECK_FALSE(Open(a, damaged).ok());
  CHECK(Open(a, sealed_a[0]).ok());
}
