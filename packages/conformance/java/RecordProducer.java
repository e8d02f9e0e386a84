// Writes records with the Java Kafka client, so that tests can read what the reference client
// writes (xerial-framed snappy, its lz4/zstd/gzip batches, keys that are not UTF-8).
// Run as a single source file with the broker's jars on the class path:
//   java -cp '<kafka libs>/*' RecordProducer.java <bootstrap> <topic> <compression>
// stdin: one record per line, "<partition> <key hex or -> <value hex or ->"; every line's
// record goes into the batches of one flush. stdout: "<partition> <offset>" per record, in input order.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class RecordProducer {
  static byte[] hex(String s) {
    if (s.equals("-")) return null;
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return out;
  }

  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, args[2]);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Records of one partition travel as one compressed batch: the point is to test batches, not singles.
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "1048576");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "10485760");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        String[] f = line.trim().split(" ");
        sent.add(producer.send(new ProducerRecord<>(args[1], Integer.parseInt(f[0]), hex(f[1]), hex(f[2]))));
      }
      producer.flush();
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        out.append(m.partition()).append(' ').append(m.offset()).append('\n');
      }
      System.out.print(out);
    }
  }
}
