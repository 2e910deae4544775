#include "postfix/gather_pem.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

#include "base/files.hpp"
#include "net/tls_inspect.hpp"

namespace mxtls::postfix {
namespace {

constexpr size_t max_pem_file = 1 << 20;

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string openssl_error() {
  unsigned long code = ERR_peek_last_error();
  char text[256] = "unknown error";
  if (code) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// One private key and its certificate chain, leaf first.
struct KeyChain {
  KeyPtr key{nullptr, EVP_PKEY_free};
  std::vector<X509Ptr> certs;
};

// The PEM objects of the files in order, grouped as Postfix loads them:
// postconf(5) smtpd_tls_chain_files, "each holding one or more private keys
// directly followed by a corresponding certificate chain" (a second key, e.g.
// ECDSA beside RSA, starts a second chain); the legacy smtpd_tls_cert_file
// and key_file (and eccert_file/eckey_file) put each chain before its key.
struct PemObjects {
  std::vector<KeyChain> groups;
  bool last_was_key = false;
  std::vector<std::string> key_types;  // of every private key ("RSA", "EC", "ED25519")

  void add_key(KeyPtr key) {
    key_types.push_back(EVP_PKEY_get0_type_name(key.get()) ? EVP_PKEY_get0_type_name(key.get()) : "");
    if (groups.empty() || groups.back().key) groups.emplace_back();
    groups.back().key = std::move(key);
    last_was_key = true;
  }
  void add_cert(X509Ptr cert) {
    // A certificate right after a key whose group already has its chain starts the next group.
    if (groups.empty() || (last_was_key && groups.back().key && !groups.back().certs.empty())) groups.emplace_back();
    groups.back().certs.push_back(std::move(cert));
    last_was_key = false;
  }
};

// Every PEM object of the file in order into out; the error names the first
// one that does not decode (a truncated file ends in the middle of one).
std::string read_pem_objects(const std::string& text, PemObjects& out, bool& holds_key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  ERR_clear_error();
  for (int objects = 0;; ++objects) {
    char *name = nullptr, *header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) {
      bool clean_end = ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE && objects > 0;
      std::string error = clean_end ? "" : objects == 0 && text.find("-----BEGIN") == std::string::npos
                                               ? "no PEM data"
                                               : "truncated or corrupt PEM (" + openssl_error() + ")";
      ERR_clear_error();
      return error;
    }
    std::string type = name;
    const unsigned char* p = data;
    if (type == "CERTIFICATE" || type == "TRUSTED CERTIFICATE") {
      if (X509* cert = d2i_X509(nullptr, &p, length)) out.add_cert(X509Ptr(cert, X509_free));
    } else if (type.find("PRIVATE KEY") != std::string::npos) {
      if (EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, length)) out.add_key(KeyPtr(key, EVP_PKEY_free)), holds_key = true;
    }
    OPENSSL_free(name), OPENSSL_free(header), OPENSSL_free(data);
  }
}

template <typename T, typename Encode>
std::string der_of(T* object, Encode encode) {
  unsigned char* der = nullptr;
  int length = encode(object, &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

CertificateFacts certificate_facts(X509* cert) {
  smtp::Certificate c = smtp::describe_certificate(cert);
  return {c.subject, c.issuer, c.dns_names, c.not_before, c.not_after, c.key_type, c.key_bits,
          c.signature_algorithm, c.self_signed};
}

// Verifies the leaf with the rest as intermediates, against the system CAs
// and ca_file, ignoring time (expiry is its own finding).
void verify_chain(const std::vector<X509Ptr>& certs, const std::string& ca_file, ServerCertFacts& facts) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_set_default_paths(store.get());
  if (!ca_file.empty()) X509_STORE_load_file(store.get(), ca_file.c_str());
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)>
      untrusted(sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), certs.front().get(), untrusted.get());
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  facts.trusted = X509_verify_cert(ctx.get()) == 1;
  int code = X509_STORE_CTX_get_error(ctx.get());
  facts.verify_error = facts.trusted ? "" : X509_verify_cert_error_string(code);
  bool issuer_missing = code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                        code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
                        code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
  facts.chain_complete = facts.trusted || !issuer_missing || X509_check_issued(certs.back().get(), certs.back().get()) == X509_V_OK;
  ERR_clear_error();
}

}  // namespace

namespace {

// The facts of one key and its chain (files, key_types: the caller's).
ServerCertFacts chain_facts(const KeyChain& group, const std::string& ca_file) {
  ServerCertFacts facts;
  for (const auto& cert : group.certs) facts.chain.push_back(certificate_facts(cert.get()));
  for (size_t i = 0; i + 1 < group.certs.size(); ++i)
    if (X509_check_issued(group.certs[i + 1].get(), group.certs[i].get()) != X509_V_OK) facts.chain_ordered = false;
  facts.key_found = group.key != nullptr;
  if (!group.certs.empty()) {
    facts.key_matches = group.key && X509_check_private_key(group.certs.front().get(), group.key.get()) == 1;
    facts.leaf_der = der_of(group.certs.front().get(), i2d_X509);
    facts.leaf_spki_der = der_of(X509_get_X509_PUBKEY(group.certs.front().get()), i2d_X509_PUBKEY);
    for (size_t i = 1; i < group.certs.size(); ++i) facts.issuer_ders.push_back(der_of(group.certs[i].get(), i2d_X509));
    verify_chain(group.certs, ca_file, facts);
  }
  ERR_clear_error();
  return facts;
}

}  // namespace

ServerCertFacts read_server_cert(const std::vector<std::pair<std::string, std::string>>& files,
                                 const std::string& ca_file) {
  std::vector<FileFacts> file_list;
  PemObjects all;
  for (const auto& [parameter, path] : files) {
    FileFacts file = file_facts(parameter, path);
    if (file.readable) {
      auto text = read_bounded_file(path, max_pem_file);
      file.error = text ? read_pem_objects(*text, all, file.holds_private_key) : text.error().message;
    }
    file_list.push_back(std::move(file));
  }
  ServerCertFacts facts = all.groups.empty() ? ServerCertFacts{} : chain_facts(all.groups.front(), ca_file);
  for (size_t i = 1; i < all.groups.size(); ++i) facts.more_chains.push_back(chain_facts(all.groups[i], ca_file));
  facts.files = std::move(file_list);
  facts.key_types = std::move(all.key_types);
  return facts;
}

DhFacts read_dh_params(const std::string& path) {
  DhFacts dh{file_facts("smtpd_tls_dh1024_param_file", path), 0};
  if (!dh.file.readable) return dh;
  auto text = read_bounded_file(path, max_pem_file);
  if (!text) {
    dh.file.error = text.error().message;
    return dh;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())), BIO_free);
  KeyPtr params(PEM_read_bio_Parameters(bio.get(), nullptr), EVP_PKEY_free);
  if (params) dh.bits = EVP_PKEY_get_bits(params.get());
  else dh.file.error = "no PEM DH parameters (" + openssl_error() + ")";
  return dh;
}

}  // namespace mxtls::postfix
