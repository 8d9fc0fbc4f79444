#include "support/ledger_records.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "bank/certificate.hpp"
#include "bank/ledger_tables.hpp"
#include "bank/merkle.hpp"
#include "support/test_engine.hpp"

namespace bank::test {

namespace bl = bank::ledger;

std::vector<bl::LedgerFile> LedgerChunks(const std::string& directory) {
  bl::ListOptions list;
  list.uncommitted = true;
  auto chunks = bl::ListLedgerFiles({directory}, list);
  REQUIRE(chunks.ok());
  return *chunks;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<RecordAt> AllRecords(const std::string& directory) {
  bl::LedgerReader reader(LedgerChunks(directory));
  std::vector<RecordAt> out;
  bl::ReadEntry e;
  while (reader.Next(&e))
    out.push_back({reader.files()[e.file_index].path, e.offset, e.frame.raw.size(), e.frame.txid,
                   e.domain.Find(bl::kSignatures) != nullptr, std::string(e.frame.raw)});
  INFO((reader.error() ? reader.error()->detail : ""));
  REQUIRE_FALSE(reader.error());
  return out;
}

StderrCapture::StderrCapture(std::string path) : path_(std::move(path)) {
  std::fflush(stderr);
  saved_ = ::dup(2);
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
}

std::string StderrCapture::Release() {
  if (saved_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  return ReadBytes(path_);
}

void CheckReceiptVerifies(const bankd::ledger::ReceiptMaterial& m) {
  auto cert = Certificate::FromPem(m.node_cert_pem);
  REQUIRE(cert.ok());
  CHECK(cert->PublicKeyId() == TestIdentity().node_cert.PublicKeyId());
  CHECK(cert->public_key().VerifyDigest(m.root, m.signature));
  if (m.is_signature_transaction) {
    CHECK(m.proof.empty());
    return;
  }
  Digest leaf = LeafHash(m.write_set_digest, m.commit_evidence, m.claims_digest);
  CHECK(RootFromProof(leaf, m.proof) == m.root);
}

}  // namespace bank::test
