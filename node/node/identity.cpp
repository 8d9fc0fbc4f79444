#include "node/identity.hpp"

#include <filesystem>

#include "bank/identity.hpp"

namespace bankd::node {
namespace fs = std::filesystem;
namespace {

// Long enough that a sandbox left for months still works; CCF's 1-day
// initial validity assumes governance renews it, which bankd does not need.
constexpr int kValidityDays = 365;

std::vector<std::string> ToX509Names(const std::vector<std::string>& sans) {
  std::vector<std::string> out;
  for (const auto& s : sans) {
    if (s.rfind("iPAddress:", 0) == 0)
      out.push_back("IP:" + s.substr(10));
    else if (s.rfind("dNSName:", 0) == 0)
      out.push_back("DNS:" + s.substr(8));
  }
  return out;
}

bank::Status Create(const std::string& dir, const std::vector<std::string>& sans, NodeIdentity* id) {
  BANK_ASSIGN_OR_RETURN(id->service_key, bank::PrivateKey::GenerateEc(bank::Curve::kP384));
  bank::CertificateSpec service;
  service.common_name = "CCF Service";
  service.validity_days = kValidityDays;
  service.is_ca = true;
  service.path_length = 0;
  BANK_ASSIGN_OR_RETURN(id->service_cert, bank::Certificate::SelfSigned(id->service_key, service));

  BANK_ASSIGN_OR_RETURN(id->node_key, bank::PrivateKey::GenerateEc(bank::Curve::kP384));
  bank::CertificateSpec node;
  node.common_name = "CCF Node";
  node.validity_days = kValidityDays;
  node.subject_alt_names = ToX509Names(sans);
  BANK_ASSIGN_OR_RETURN(id->node_cert, bank::Certificate::Issue(id->node_key.Public(), node, id->service_cert,
                                                                id->service_key));

  // Keys first: a crash in between leaves no certificate without its key.
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(dir + "/service_privk.pem", id->service_key.Pem(), 0600));
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(dir + "/node_privk.pem", id->node_key.Pem(), 0600));
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(dir + "/node_cert.pem", id->node_cert.Pem(), 0644));
  BANK_RETURN_IF_ERROR(bank::WriteFileAtomic(dir + "/service_cert.pem", id->service_cert.Pem(), 0644));
  return bank::Status::OK();
}

}  // namespace

bank::Result<NodeIdentity> LoadOrCreateIdentity(const std::string& dir,
                                                const std::vector<std::string>& sans) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return bank::Status::InputFile(dir + ": cannot create data directory (" + ec.message() + ")");

  NodeIdentity id;
  if (!fs::exists(dir + "/service_cert.pem")) {
    BANK_RETURN_IF_ERROR(Create(dir, sans, &id));
  } else {
    BANK_ASSIGN_OR_RETURN(auto service,
                          bank::LoadIdentity(dir + "/service_cert.pem", dir + "/service_privk.pem"));
    BANK_ASSIGN_OR_RETURN(auto node, bank::LoadIdentity(dir + "/node_cert.pem", dir + "/node_privk.pem"));
    if (!node.cert.IsSignedBy(service.cert.public_key()))
      return bank::Status::InputFile(dir + "/node_cert.pem: not endorsed by " + dir + "/service_cert.pem");
    id.service_cert = std::move(service.cert);
    id.service_key = std::move(service.key);
    id.node_cert = std::move(node.cert);
    id.node_key = std::move(node.key);
  }
  id.node_id = id.node_cert.PublicKeyId();
  return id;
}

}  // namespace bankd::node
