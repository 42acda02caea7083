package dev.steadfast.junit.corpus;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a leaky scenario: the texts its failure message must contain — the holding field where there is one, else the
 * thread name or growing class — so "reported" means "reported so a developer can find it".
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface ExpectLeak {

    /** @return fragments the failure message must contain */
    String[] value();
}
