// Identity commands: `keygen` (as CCF's keygenerator.sh) and `id` (a
// certificate's CCF member/user id). Both work offline.
#include <memory>

#include "bank/certificate.hpp"
#include "bank/identity.hpp"
#include "cli.hpp"

namespace bankctl {
namespace {

struct KeygenArgs {
  std::string name;
  std::string curve = "secp384r1";
  std::string dir = ".";
  bool enc_key = false;
  bool force = false;
};

bank::Status Keygen(Context& ctx, const KeygenArgs& args) {
  auto curve = bank::ParseCurve(args.curve);
  if (!curve.ok()) return curve.status();
  bank::KeygenOptions options;
  options.name = args.name;
  options.directory = args.dir;
  options.curve = *curve;
  options.encryption_key = args.enc_key;
  options.force = args.force;
  auto r = bank::GenerateIdentity(options);
  if (!r.ok()) return r.status();

  nlohmann::json out = {{"name", args.name}, {"id", r->id}, {"cert", r->cert_path}, {"privk", r->privk_path}};
  std::string text = "certificate: " + r->cert_path + "\nprivate key: " + r->privk_path + "\n";
  if (args.enc_key) {
    out["enc_pubk"] = r->enc_pubk_path;
    out["enc_privk"] = r->enc_privk_path;
    text += "encryption public key: " + r->enc_pubk_path + "\nencryption private key: " + r->enc_privk_path +
            "\n";
  }
  text += "id: " + r->id;
  ctx.Emit(out, text);
  return bank::Status::OK();
}

bank::Status Id(Context& ctx, const std::string& file) {
  auto cert = bank::Certificate::LoadFile(file);
  if (!cert.ok()) return cert.status();
  ctx.Emit({{"file", file}, {"id", cert->Id()}, {"common_name", cert->CommonName()}}, cert->Id());
  return bank::Status::OK();
}

void Register(CLI::App& app, Context& ctx) {
  auto keygen_args = std::make_shared<KeygenArgs>();
  auto* keygen = app.add_subcommand(
      "keygen", "Create an identity: NAME_privk.pem and NAME_cert.pem (as keygenerator.sh)");
  keygen->add_option("NAME", keygen_args->name, "Identity name (certificate CN and file prefix)")->required();
  keygen->add_flag("--enc-key,--gen-enc-key", keygen_args->enc_key,
                   "Also an RSA encryption key pair (NAME_enc_{privk,pubk}.pem), for recovery members");
  keygen->add_option("--curve", keygen_args->curve, "secp384r1 (default) or secp256r1")
      ->check(CLI::IsMember({"secp384r1", "secp256r1"}));
  keygen->add_option("--dir,--out", keygen_args->dir, "Directory for the files (default: current directory)");
  keygen->add_flag("--force", keygen_args->force, "Overwrite existing files");
  ctx.Bind(keygen, [&ctx, keygen_args] { return Keygen(ctx, *keygen_args); });

  auto file = std::make_shared<std::string>();
  auto* id = app.add_subcommand("id", "Print the CCF id of a certificate (SHA-256 of its DER encoding)");
  id->add_option("FILE", *file, "Certificate (PEM)")->required();
  ctx.Bind(id, [&ctx, file] { return Id(ctx, *file); });
}

BANKCTL_COMMAND_GROUP_ORDERED(Register, 10);

}  // namespace
}  // namespace bankctl
