// A wizard page: its heading (focused when the page opens, for screen readers and keyboards),
// its content, and the Back / Next buttons.
import { useEffect, useRef, type ReactNode } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';

export interface PageFrameProps {
  id: string;
  title: string;
  children: ReactNode;
  onBack?: () => void;
  onNext?: () => void;
  nextLabel?: string;
  nextDisabled?: boolean;
  /** Summary keeps the focus on Cancel instead of the heading. */
  focusHeading?: boolean;
  footer?: ReactNode;
}

export function PageFrame({ id, title, children, onBack, onNext, nextLabel, nextDisabled, focusHeading = true, footer }: PageFrameProps) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusHeading) heading.current?.focus();
  }, [id, focusHeading]);
  return (
    <section className="page" data-page={id} aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <div className="page-body">{children}</div>
      {(onBack || onNext || footer) && (
        <div className="page-nav">
          {onBack && (
            <Button className="button secondary" onPress={onBack}>
              {t('nav.back')}
            </Button>
          )}
          {footer}
          {onNext && (
            <Button className="button primary" onPress={onNext} isDisabled={nextDisabled}>
              {nextLabel ?? t('nav.next')}
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
