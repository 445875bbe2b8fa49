package io.zsync.schemas;

/** The serdes of zsync's Avro records, in single-object encoding. */
public final class ZsyncSerdes {
    private ZsyncSerdes() {
    }

    /** For the {@link StreamMessage} envelope ({@code zsync.envelope=avro}). */
    public static SingleObjectSerde<StreamMessage> streamMessage() {
        return new SingleObjectSerde<>("StreamMessage", StreamMessage.getClassSchema(),
                StreamMessage.getEncoder(), StreamMessage.getDecoder());
    }

    /** For {@link DeadLetter} values ({@code zsync.dlq.format=avro}). */
    public static SingleObjectSerde<DeadLetter> deadLetter() {
        return new SingleObjectSerde<>("DeadLetter", DeadLetter.getClassSchema(),
                DeadLetter.getEncoder(), DeadLetter.getDecoder());
    }
}
