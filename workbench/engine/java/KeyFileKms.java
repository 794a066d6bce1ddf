package workbench.parquet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.KeyAccessDeniedException;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * The workbench's Parquet KMS client for Spark (workbench/engine/store.py, docs/scale.md).
 *
 * The tier's key (the workbench's key file content) arrives as the key access token
 * (Hadoop configuration parquet.encryption.key.access.token, set per read or write, never
 * written to disk by Spark). The master keys "footer" and "columns" are HKDF-SHA256 of the tier
 * key with salt "csp-workbench parquet store" and the key identifier as info; data keys (or
 * key-encryption keys) are wrapped with AES-GCM: base64(nonce[12] || ciphertext || tag[16]), the
 * key identifier as associated data. Python's KeyFileKms does the same, so either side reads the
 * other's files.
 */
public class KeyFileKms implements KmsClient {
  private static final byte[] SALT = "csp-workbench parquet store".getBytes(StandardCharsets.UTF_8);
  private static final String[] IDS = {"footer", "columns"};
  private final Map<String, byte[]> keys = new HashMap<>();
  private final SecureRandom random = new SecureRandom();

  @Override
  public void initialize(Configuration conf, String kmsInstanceID, String kmsInstanceURL, String accessToken)
      throws KeyAccessDeniedException {
    if (accessToken == null || accessToken.length() < 32 || KEY_ACCESS_TOKEN_DEFAULT.equals(accessToken)) {
      throw new KeyAccessDeniedException(
          "No tier key: set parquet.encryption.key.access.token to the tier's key (at least 32 characters)");
    }
    byte[] ikm = accessToken.getBytes(StandardCharsets.UTF_8);
    for (String id : IDS) {
      keys.put(id, hkdf(ikm, id));
    }
  }

  static byte[] hkdf(byte[] ikm, String info) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SALT, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(info.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 1);
      return Arrays.copyOf(mac.doFinal(), 32);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] master(String id) throws KeyAccessDeniedException {
    byte[] key = keys.get(id);
    if (key == null) {
      throw new KeyAccessDeniedException("Unknown master key identifier " + id + " (expected footer or columns)");
    }
    return key;
  }

  @Override
  public String wrapKey(byte[] keyBytes, String masterKeyIdentifier) throws KeyAccessDeniedException {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(master(masterKeyIdentifier), "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(masterKeyIdentifier.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(keyBytes);
      byte[] out = new byte[12 + sealed.length];
      System.arraycopy(nonce, 0, out, 0, 12);
      System.arraycopy(sealed, 0, out, 12, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new KeyAccessDeniedException("Could not wrap a data key", e);
    }
  }

  @Override
  public byte[] unwrapKey(String wrappedKey, String masterKeyIdentifier) throws KeyAccessDeniedException {
    byte[] raw = Base64.getDecoder().decode(wrappedKey);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(master(masterKeyIdentifier), "AES"), new GCMParameterSpec(128, raw, 0, 12));
      c.updateAAD(masterKeyIdentifier.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(raw, 12, raw.length - 12);
    } catch (GeneralSecurityException e) {
      throw new KeyAccessDeniedException("Wrong key for this Parquet store: a data key did not unwrap (check the tier's key file)", e);
    }
  }
}
