#include "gov_sign.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "bank/certificate.hpp"
#include "bank/cose.hpp"
#include "bank/encoding.hpp"
#include "bank/identity.hpp"

namespace bankctl {

bank::Result<std::string> ReadContent(const std::string& path) {
  if (path == "-")
    return std::string{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  auto data = bank::ReadFile(path);
  std::error_code ec;
  if (!data.ok() && std::filesystem::exists(path, ec) && !std::filesystem::is_directory(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    if (in && in.peek() == std::ifstream::traits_type::eof()) return std::string();
  }
  return data;
}

namespace {

using bank::Result;
using bank::Status;
namespace cose = bank::cose;

struct SignArgs {
  std::string type, content, proposal_id, created_at, signing_cert, signing_key, signature;
};

// The signer's certificate: --signing-cert, else --cert, else the
// workspace identity named by --as. No service connection is needed.
std::string CertPathFor(const Context& ctx, const SignArgs& a) {
  if (!a.signing_cert.empty()) return a.signing_cert;
  if (!ctx.settings.cert.empty()) return ctx.settings.cert;
  if (!ctx.settings.as.empty()) return ctx.WorkspaceFile(ctx.settings.as + "_cert.pem");
  return "";
}

std::string KeyPathFor(const Context& ctx, const SignArgs& a) {
  if (!a.signing_key.empty()) return a.signing_key;
  if (!ctx.settings.key.empty()) return ctx.settings.key;
  if (!ctx.settings.as.empty()) return ctx.WorkspaceFile(ctx.settings.as + "_privk.pem");
  return "";
}

Result<cose::GovHeaders> Headers(const SignArgs& a, bool created_at_required) {
  cose::GovHeaders h;
  h.msg_type = a.type;
  if (!a.proposal_id.empty()) h.proposal_id = a.proposal_id;
  if (a.created_at.empty()) {
    if (created_at_required)
      return Status::Usage("--created-at is required: pass the value `gov prepare` used for this signature");
    h.created_at = std::time(nullptr);
  } else {
    BANK_ASSIGN_OR_RETURN(h.created_at, cose::ParseCreatedAt(a.created_at));
  }
  BANK_RETURN_IF_ERROR(cose::CheckGovHeaders(h));
  return h;
}

Status WriteBinary(const bank::Bytes& bytes) {
  std::cout.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  std::cout.flush();
  if (!std::cout) return Status::Internal("cannot write to standard output");
  return Status::OK();
}

Status Sign(Context& ctx, const SignArgs& a) {
  BANK_ASSIGN_OR_RETURN(cose::GovHeaders h, Headers(a, false));
  const std::string cert = CertPathFor(ctx, a), key = KeyPathFor(ctx, a);
  if (cert.empty() || key.empty())
    return Status::Usage("no signing identity: pass --signing-cert/--signing-key, --cert/--key or --as NAME");
  BANK_ASSIGN_OR_RETURN(bank::Identity signer, bank::LoadIdentity(cert, key));
  BANK_ASSIGN_OR_RETURN(std::string content, ReadContent(a.content));
  BANK_ASSIGN_OR_RETURN(bank::Bytes envelope, cose::SignGov(signer, h, bank::AsBytes(content)));
  return WriteBinary(envelope);
}

Status Prepare(Context& ctx, const SignArgs& a) {
  BANK_ASSIGN_OR_RETURN(cose::GovHeaders h, Headers(a, false));
  const std::string cert_path = CertPathFor(ctx, a);
  if (cert_path.empty())
    return Status::Usage("no signing certificate: pass --signing-cert, --cert or --as NAME");
  BANK_ASSIGN_OR_RETURN(bank::Certificate cert, bank::Certificate::LoadFile(cert_path));
  BANK_ASSIGN_OR_RETURN(std::string content, ReadContent(a.content));
  BANK_ASSIGN_OR_RETURN(cose::Prepared prepared, cose::PrepareGov(cert, h, bank::AsBytes(content)));
  if (a.created_at.empty())
    std::fprintf(stderr, "created_at %s (pass --created-at %s to gov finish)\n",
                 bank::FormatTime(h.created_at).c_str(), bank::FormatTime(h.created_at).c_str());
  std::cout << prepared.ToJson().dump() << std::endl;
  return Status::OK();
}

Status Finish(Context& ctx, const SignArgs& a) {
  BANK_ASSIGN_OR_RETURN(cose::GovHeaders h, Headers(a, true));
  const std::string cert_path = CertPathFor(ctx, a);
  if (cert_path.empty())
    return Status::Usage("no signing certificate: pass --signing-cert, --cert or --as NAME");
  BANK_ASSIGN_OR_RETURN(bank::Certificate cert, bank::Certificate::LoadFile(cert_path));
  BANK_ASSIGN_OR_RETURN(std::string content, ReadContent(a.content));
  BANK_ASSIGN_OR_RETURN(std::string sig_text, bank::ReadFile(a.signature));
  auto raw = cose::ParseSignatureJson(sig_text, cert);
  if (!raw.ok()) return raw.status().WithContext(a.signature);
  BANK_ASSIGN_OR_RETURN(bank::Bytes envelope, cose::FinishGov(cert, h, bank::AsBytes(content), *raw));
  return WriteBinary(envelope);
}

void AddSignOptions(CLI::App* cmd, const std::shared_ptr<SignArgs>& a, bool needs_key) {
  cmd->add_option("--type", a->type, "ccf.gov.msg.type")
      ->required()
      ->check(CLI::IsMember({cose::kProposal, cose::kBallot, cose::kWithdrawal, cose::kAck,
                             cose::kStateDigest, cose::kRecoveryShare, cose::kEncryptedRecoveryShare}));
  cmd->add_option("--content", a->content, "File with the payload to sign, or - for standard input")
      ->required()
      ->type_name("FILE");
  cmd->add_option("--proposal-id,--ccf-gov-msg-proposal_id", a->proposal_id,
                  "ccf.gov.msg.proposal_id (ballots and withdrawals)");
  cmd->add_option("--created-at,--ccf-gov-msg-created_at", a->created_at,
                  "ccf.gov.msg.created_at as ISO 8601 (e.g. $(date -uIs)) or epoch seconds; default now");
  cmd->add_option("--signing-cert", a->signing_cert,
                  "Signer's certificate (default: --cert or --as identity)")
      ->type_name("FILE");
  if (needs_key)
    cmd->add_option("--signing-key", a->signing_key, "Signer's private key (default: --key or --as identity)")
        ->type_name("FILE");
}

}  // namespace

void RegisterGovSigning(CLI::App* gov_cmd, Context& ctx) {
  auto s = std::make_shared<SignArgs>();
  auto* sign = gov_cmd->add_subcommand(
      "sign", "Write a signed COSE_Sign1 governance envelope to standard output (like ccf_cose_sign1)");
  AddSignOptions(sign, s, true);
  ctx.Bind(sign, [&ctx, s] { return Sign(ctx, *s); });

  auto p = std::make_shared<SignArgs>();
  auto* prepare = gov_cmd->add_subcommand(
      "prepare", "External signing, step 1: print {\"alg\", \"value\"} with the digest to sign elsewhere");
  AddSignOptions(prepare, p, false);
  ctx.Bind(prepare, [&ctx, p] { return Prepare(ctx, *p); });

  auto f = std::make_shared<SignArgs>();
  auto* finish = gov_cmd->add_subcommand(
      "finish",
      "External signing, step 2: write the envelope around the returned signature to standard output");
  AddSignOptions(finish, f, false);
  finish->add_option("--signature", f->signature, "JSON file {\"value\": \"<base64url raw r||s>\"}")
      ->required()
      ->type_name("FILE");
  ctx.Bind(finish, [&ctx, f] { return Finish(ctx, *f); });
}

}  // namespace bankctl
