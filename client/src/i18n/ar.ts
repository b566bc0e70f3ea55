/**
 * Arabic: a stub with a handful of translated keys, enough to show the layout mirroring (`<html dir="rtl">`). Every
 * missing key falls back to English.
 */
export const ar = {
  app: {
    skipToContent: 'انتقل إلى المحتوى',
    nav: { main: 'القائمة الرئيسية', rate: 'التقييم', history: 'السجل', profile: 'الملف الشخصي' },
    signOut: 'تسجيل الخروج',
    language: 'اللغة',
  },
  home: {
    title: 'مهامك',
    start: 'ابدأ التقييم',
  },
  judging: {
    prompt: 'السؤال',
    left: 'اليسار',
    right: 'اليمين',
    instructions: 'التعليمات',
  },
  form: {
    question: 'أي الإجابتين أفضل؟',
    submit: 'إرسال',
    skip: 'تخطي',
  },
  scale: { tie: 'تعادل' },
};
