import type { ButtonHTMLAttributes } from 'react';
import { Link, type LinkProps } from 'react-router';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

interface ButtonStyle {
  variant?: ButtonVariant;
  size?: 'normal' | 'small';
}

function buttonClass({ variant = 'secondary', size = 'normal' }: ButtonStyle, extra?: string): string {
  return ['button', `button--${variant}`, size === 'small' ? 'button--small' : '', extra ?? '']
    .filter(Boolean)
    .join(' ');
}

export function Button({
  variant,
  size,
  className,
  type = 'button',
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & ButtonStyle) {
  return <button type={type} className={buttonClass({ variant, size }, className)} {...props} />;
}

/** A router link that looks like a button, for navigation that reads as an action ("New task", "Start rating"). */
export function ButtonLink({ variant, size, className, ...props }: LinkProps & ButtonStyle) {
  return <Link className={buttonClass({ variant, size }, className)} {...props} />;
}
